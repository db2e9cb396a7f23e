"""The project's spiders: `site` walks the whole site."""
