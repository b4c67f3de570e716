"""The Try panel's page for a network trained on a table: a form with one field per raw column
of the table's preprocessing (a list of the training categories for a text column, a line for a
number) and the Predict button; the check that the session's preprocessing suits the network;
and the model asked about the form's row. The panel
(``netbuilder.gui.inspect.try_image.TryPanel``) shows the answer.

The texts keep the ``TryPanel`` translation context they had when they were the panel's own:
pyside6-lupdate finds ``translate("TryPanel", "literal")`` calls.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from netbuilder.gui.text import fill

translate = QCoreApplication.translate


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def table_preprocessing(raw: dict | None, input_shape: list[int]) -> tuple[dict, str]:
    """(checked preprocessing or {}, why it cannot be used or '') of the session's
    ``preprocessing`` for a network taking ``input_shape``; ({}, '') when it is no table's."""
    from netbuilder.core.tabular import KIND, TabularError, check_preprocessing

    if not raw or raw.get("kind") != KIND:
        return {}, ""
    try:
        clean = check_preprocessing(raw)
    except TabularError as exc:
        return {}, fill(translate("TryPanel", "The table's preprocessing cannot be used: %1"),
                        _first_line(exc))
    shape = list(input_shape)
    if shape != [clean["features"]]:
        return {}, fill(translate("TryPanel", "The network takes %1 inputs, but the table's "
                                  "rows make %2 features: train it on the table again."),
                        "×".join(map(str, shape)), clean["features"])
    return clean, ""


class TableRowPage(QWidget):
    """One row of the table as a form; ``predict_requested`` when Predict is pressed or Return
    in a number field."""

    predict_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("try_table_page")
        self.fields: dict[str, QLineEdit | QComboBox] = {}
        self.preprocessing: dict = {}
        self._columns_key: object = None
        self.form_intro = QLabel(self)
        self.form_intro.setWordWrap(True)
        self.form_widget = QWidget(self)
        self.form_widget.setObjectName("try_form")
        self.form = QFormLayout(self.form_widget)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.predict_button = QPushButton(translate("TryPanel", "Predict"), self)
        self.predict_button.setObjectName("try_predict")
        predict_row_layout = QHBoxLayout()
        predict_row_layout.addStretch(1)
        predict_row_layout.addWidget(self.predict_button)
        table_layout = QVBoxLayout(self)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.form_intro)
        table_layout.addWidget(self.form_widget)
        table_layout.addLayout(predict_row_layout)
        self.predict_button.clicked.connect(self.predict_requested)

    def show_columns(self, preprocessing: dict) -> bool:
        """Use this checked preprocessing; the form is built again, keeping the values of the
        columns that stay, only when its columns changed. True when it was built again."""
        key = (preprocessing["target"], preprocessing["task"],
               tuple((c["name"], c["type"], tuple(c.get("categories", ())))
                     for c in preprocessing["columns"]))
        self.preprocessing = preprocessing
        if key == self._columns_key:
            return False
        kept = self.values()
        self._columns_key = key
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        for column in preprocessing["columns"]:
            name = column["name"]
            if column["type"] == "categorical":
                field = QComboBox(self.form_widget)
                field.addItems(column["categories"])
                if kept.get(name) in column["categories"]:
                    field.setCurrentText(kept[name])
                field.setToolTip(fill(translate("TryPanel", "One of the %1 values the training "
                                                "rows had"), len(column["categories"])))
            else:
                field = QLineEdit(self.form_widget)
                field.setText(kept.get(name, ""))
                field.setPlaceholderText(fill(translate("TryPanel", "a number, e.g. %1"),
                                              f"{column['mean']:.4g}"))
                field.setToolTip(fill(translate("TryPanel", "A number; the training rows' mean "
                                                "is %1 and their standard deviation %2"),
                                      f"{column['mean']:.4g}", f"{column['scale']:.4g}"))
                field.returnPressed.connect(self.predict_requested)
            field.setObjectName(f"try_field_{name}")
            field.setAccessibleName(name)  # the column, as the label beside it says
            label = QLabel(name, self.form_widget)
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.form.addRow(label, field)
            self.fields[name] = field
        self.form_intro.setText(fill(translate("TryPanel", "Fill in one row of the table to "
                                               "predict %1:"), preprocessing["target"]))
        return True

    def values(self) -> dict[str, str]:
        """The form's values, column name → text."""
        return {name: field.currentText() if isinstance(field, QComboBox) else field.text()
                for name, field in self.fields.items()}

    def ask(self, model) -> tuple[list[tuple[str, float]] | float | None, str]:
        """(the model's answer for the form's row, '') or (None, why there is none: a bad
        value, or an input the network cannot take)."""
        from netbuilder.core.tabular import TabularError
        from netbuilder.core.try_input import TryInputError, predict_row

        try:
            return predict_row(model, self.preprocessing, self.values()), ""
        except (TabularError, TryInputError) as exc:
            return None, str(exc)
        except (RuntimeError, ValueError, TypeError) as exc:
            return None, fill(translate("TryPanel", "The network cannot take this input: %1"),
                              _first_line(exc))
