"""nbgrader settings every hub user shares: the course id and the exchange folder through which
lessons, submissions and feedback pass (jupyterhub_config.py puts this folder on each user's
JUPYTER_CONFIG_PATH)."""

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
c.CourseDirectory.course_id = "stream"  # stream_course.course.COURSE_ID
c.Exchange.root = os.environ.get("STREAM_EXCHANGE", "/srv/nbgrader/exchange")
