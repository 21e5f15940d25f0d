"""18.0.1.1.0: every mirrored product belongs to the connection it came from.

Before this version the mirror was not scoped: products were mirrored by whichever connection ran. They are
given to the first active connection (by sequence), which is the only one in every known installation; a
database with several connections should check the products' connection afterwards.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE product_template
           SET medcrm_1c_connection_id = (
                   SELECT id FROM medcrm_1c_connection ORDER BY active DESC, sequence, id LIMIT 1)
         WHERE medcrm_1c_guid IS NOT NULL AND medcrm_1c_connection_id IS NULL
        """
    )
