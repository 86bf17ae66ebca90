"""nbgrader configuration for the Stream course. The repository root is the course directory:
source/ (authored) -> release/ (students) -> submitted/ -> autograded/ -> feedback/, gradebook.db."""

from pathlib import Path

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "stream"
c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.db_url = "sqlite:///" + str(Path(__file__).resolve().parent / "gradebook.db")

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
