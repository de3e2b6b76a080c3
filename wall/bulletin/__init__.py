"""Evaluation bulletins (评估通报): the evaluation model (evaluation.py), a bulletin's content
(content.py), one module per format (xlsx, docx, pdf, html; charts for the static figures) and
make.py, the one way the command line, the web page and the scheduler (schedule.py) produce a
bulletin.

May import: wall.read, wall.store (a traced store), wall.state, wall.core; never the web.
"""

from wall.bulletin.content import FORMATS, Bulletin, BulletinError, build
from wall.bulletin.make import make, write

__all__ = ["FORMATS", "Bulletin", "BulletinError", "build", "make", "write"]
