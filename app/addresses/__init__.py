"""The exercise's synthetic address registry: blocks of reserved addresses mapped to a place and a fictional ISP."""
