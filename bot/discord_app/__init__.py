"""vizbot on Discord: the only package that imports discord. Start at ``client`` (what handles what) and ``runner``."""
