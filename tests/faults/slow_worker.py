"""The portal's Celery app with PDF rendering slowed down, so that a fault test can kill a worker mid-render.

Only `celery -A tests.faults.slow_worker worker` in tests/faults uses it; production code has no such hook.
"""

import logging
import os
import time

from celery.signals import task_prerun

from portal.celery import app

__all__ = ["app"]

logger = logging.getLogger(__name__)


@task_prerun.connect
def _slow_down_rendering(**kwargs):
    from portal import documents

    if getattr(documents.render_pdf, "slowed", False):
        return
    render_pdf = documents.render_pdf

    def slow_render_pdf(**render_kwargs):
        logger.warning("Rendering slowly for the fault test")
        time.sleep(float(os.environ.get("FAULT_RENDER_DELAY", "60")))
        return render_pdf(**render_kwargs)

    slow_render_pdf.slowed = True
    documents.render_pdf = slow_render_pdf
