"""The instructor's side of the course, one module per grading stage, in the order
nbgrader_config.py wires them into ``nbgrader autograde`` and ``generate_feedback``:

- ``repair``: before nbgrader's own checks, repair lost or duplicated cell metadata;
- ``metadata``: nbgrader's cell-metadata check, its schema checked once;
- ``execute``: run the notebook in the ``sandbox`` (cold kernels, or ``warm_kernels`` forked
  from a parent that has loaded the model); environment failures;
- ``judge``: decide the hidden tests outside the kernel, with the lessons' answer keys;
- ``xp``: recompute XP after the grades are saved, and after hand grades;
- ``feedback``: what students see in their feedback;
- ``batch_report``: the summary that ends every autograde; ``parallel``: ``stream-course
  autograde``, several nbgrader workers at once.

None of it is needed by a student's notebook. (This file imports nothing: the sandbox must load
without nbgrader or torch.)
"""
