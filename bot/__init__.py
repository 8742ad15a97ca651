"""vizbot: recommends learning visualizations for computer vision and deep learning."""

__version__ = "0.1.0"
