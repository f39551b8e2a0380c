"""Previews for the investigators' pages: made from the media, kept encrypted at rest.

A clear thumbnail (or a video's strip of frames) is made once from the file and stored in the
vault; pages are shown a blurred, greyscale image made from it on the server, and the clear one
only on a deliberate reveal.
"""
