"""The catalog flow: an ERP's one-row-per-SKU export -> categories, brands, products, SKUs,
EANs, images, specifications and activation in VTEX, in that order, sending only what changed.

    records.py   pure: columns -> product and SKU records, request bodies, merges
    images.py    pure: an image_urls cell as exports write it -> its URLs, main image first
    resolve.py   category paths and brand names -> VTEX ids (creating what is missing)
    policies.py  the trade_policies column: a product's exact set of trade policies
    specfields.py  the spec_types column: typed, positioned specification fields
    kits.py      the kit_components column: a kit SKU's components
    sync.py      products, then SKUs and what hangs off them, then activation
    process.py   the two-level diff (products and SKUs), removals, commit, report
"""
