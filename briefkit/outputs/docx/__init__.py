"""Word, one room: the writer that finishes pandoc's DOCX, and the reader of a returned one (for review).

- writer.py: the finishing pass over pandoc's DOCX (styles, cover, contents, exhibits, pages, fonts, properties);
- openxml.py: the WordprocessingML helpers every module shares (names, element order, paragraph text);
- styles, headings, contents, exhibits, notes, pages, fonts, properties: one aspect of the written file each;
- reader.py: a returned file read safely into paragraphs, tracked changes and comments.
"""
