"""nbgrader configuration for the Stream course. The repository root is the course directory:
source/ (authored) -> release/ (students) -> submitted/ -> autograded/ -> feedback/, gradebook.db."""

from pathlib import Path

from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import CheckCellMetadata, ClearHiddenTests, Execute, SaveAutoGrades

from stream_course.course import COURSE_ID
from stream_course.grader import batch_report
from stream_course.grader.execute import SandboxedExecute
from stream_course.grader.feedback import ShortenTestTracebacks, ShowProgressInFeedback
from stream_course.grader.judge import JudgeAnswers
from stream_course.grader.metadata import CheckCellMetadataOnce
from stream_course.grader.repair import RepairSubmission
from stream_course.grader.xp import RecordProgress, watch_manual_grades
from stream_course.grading import db_url

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
here = Path(__file__).resolve().parent

c.CourseDirectory.course_id = COURSE_ID
c.CourseDirectory.root = str(here)
# gradebook.db here, or the PostgreSQL gradebook named by $STREAM_GRADEBOOK_URL (shared by machines).
c.CourseDirectory.db_url = db_url(here)
# A lesson's answer key and sample answers sit beside its notebook in source/<lesson>/ and never
# reach release/ (nor the installed package): only the grader reads them.
c.CourseDirectory.ignore = [
    *CourseDirectory.class_traits()["ignore"].default(),
    "answer_key.py",
    "sample_answers.py",
]

# What students see where a solution was: both languages.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE / 여기에 코드를 작성하세요\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE / 여기에 답을 작성하세요"

# Loading the model and building the stand-in the first time take a while.
c.Execute.timeout = 300

# nbgrader scores a grade cell 0 when it printed anything to stderr. Library warnings (torch,
# transformers, progress bars) must not cost a correct answer its points; errors still do,
# because they are "error" outputs, not stderr text.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"

# Submissions that lost their cell metadata (Colab, LMS downloads) or duplicated a graded cell
# are repaired against the release first; unrepaired, nbgrader stops the whole batch on them.
sanitize_steps = list(Autograde.class_traits()["sanitize_preprocessors"].default())
# nbgrader's metadata check (in both passes), its schema checked once, not once per cell.
sanitize_steps[sanitize_steps.index(CheckCellMetadata)] = CheckCellMetadataOnce
c.Autograde.sanitize_preprocessors = [RepairSubmission, *sanitize_steps]
c.RepairSubmission.release_directory = str(here / "release")

# Submissions downloaded from an LMS: put the zip in downloaded/<lesson>/archive/, then run
# `nbgrader zip_collect <lesson>`. The default reads Canvas's file names,
#   doejane_12345_678901_01_word_embedding.ipynb   (also doejane_LATE_..., and "-1" resubmissions);
# the README gives the pattern for Moodle's folders.
c.FileNameCollectorPlugin.named_regexp = (
    r".*/(?P<student_id>[^/_]+)(?:_LATE)?_\d+_\d+_(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$"
)

# Student code runs in a bubblewrap sandbox: no network, no course files, no privileges, bounded
# memory and processes (stream_course.grader.sandbox). Without bubblewrap grading refuses to start unless
# run with --SandboxedKernelManager.allow_unsandboxed=True.
autograde_steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
autograde_steps[autograde_steps.index(Execute)] = SandboxedExecute
autograde_steps[autograde_steps.index(CheckCellMetadata)] = CheckCellMetadataOnce
# Hidden checks only record answers in the student's kernel; this trusted step decides them.
autograde_steps.insert(autograde_steps.index(SandboxedExecute) + 1, JudgeAnswers)
c.JudgeAnswers.source_directory = str(here / "source")  # the lessons' answer keys

# XP, levels and achievements live in gradebook.db and follow every grade (stream_course.progress).
autograde_steps.insert(autograde_steps.index(SaveAutoGrades) + 1, RecordProgress)
c.Autograde.autograde_preprocessors = autograde_steps
# autograde ends with a summary: graded, flagged (with reasons), failed (stream_course.grader.batch_report).
c.Autograde.pre_convert_hook = batch_report.before_submission
c.Autograde.post_convert_hook = batch_report.after_submission
feedback_steps = list(GenerateFeedback.class_traits()["preprocessors"].default())
# Feedback shows the student their notebook as graded; the hidden tests stay hidden (nbgrader #917).
c.GenerateFeedback.preprocessors = [
    ClearHiddenTests,
    ShortenTestTracebacks,
    *feedback_steps,
    ShowProgressInFeedback,
]
watch_manual_grades()  # hand grades saved in the formgrader
