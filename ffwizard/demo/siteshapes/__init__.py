"""One module per shape of installation the demo can build besides the vendor's layout.

Each module holds the `rewrite` (and, if needed, `finish`) functions of its shape; the registry
`ffwizard.demo.shapes.SHAPES` names them.
"""
