"""nbgrader_config.py loads without error (nbgrader only logs a broken config and goes on with its
defaults, which would silently drop the stderr rule and the XP hooks)."""

from traitlets.config.loader import PyFileConfigLoader


def test_course_config_loads_with_the_course_hooks(course_root):
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    assert config.CourseDirectory.course_id == "stream"
    assert config.IgnorePattern.enabled is True
    steps = [step.__name__ for step in config.Autograde.autograde_preprocessors]
    assert steps.index("RecordProgress") == steps.index("SaveAutoGrades") + 1
    assert steps[:2] == ["SandboxedExecute", "JudgeAnswers"] and "Execute" not in steps
    feedback = [step.__name__ for step in config.GenerateFeedback.preprocessors]
    assert feedback[:2] == ["ClearHiddenTests", "ShortenTestTracebacks"]
    assert feedback[-1] == "ShowProgressInFeedback"
    assert "여기에 코드를 작성하세요" in config.ClearSolutions.code_stub["python"]
