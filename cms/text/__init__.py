"""Text handling shared by every domain (search, the national index, screening): Chinese segmentation
and normalisation. The bottom layer: it imports nothing of the project."""
