"""The indexer: read → clean → split → extract → analyse → write.

Nothing in this package imports `search` or `web`: dependencies point one way.
"""
