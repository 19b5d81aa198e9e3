"""Signals of the assessments app, for apps that build on published results.

``run_published`` is sent by :func:`kaohe.assessments.publishing.do_publish_run` inside the
publication's transaction, after the run is marked published, with ``run`` (the published run),
``superseded`` (the runs it put out of publication, a list) and ``actor``. A receiver that raises
undoes the publication, so receivers keep their own records consistent with it (appeals resolved
by the new run, for example). Connect receivers in the app's ``ready()``.
"""

from __future__ import annotations

from django.dispatch import Signal

run_published = Signal()
