"""The look of the app: one palette and one style sheet, applied once at start-up."""

from __future__ import annotations

from desktop.qt import QApplication, QColor, QFont

INK = "#1f2433"
MUTED = "#667085"
LINE = "#e4e7ef"
CANVAS = "#f4f5fa"
CARD = "#ffffff"
PRIMARY = "#4f46e5"
PRIMARY_DARK = "#3730a3"
PRIMARY_SOFT = "#eef0ff"
SUCCESS = "#15803d"
SUCCESS_SOFT = "#e7f6ec"
WARNING = "#b45309"
WARNING_SOFT = "#fdf3e2"
DANGER = "#b42318"
DANGER_SOFT = "#fdecea"
SIDEBAR = "#1e1b4b"
FILLER_HIGHLIGHT = "#fde68a"


def score_color(score: float) -> str:
    if score >= 75:
        return SUCCESS
    if score >= 50:
        return WARNING
    return DANGER


STYLE_SHEET = f"""
QWidget {{ color: {INK}; font-size: 10pt; }}
QMainWindow, QStackedWidget, QScrollArea, QScrollArea > QWidget > QWidget#page {{ background: {CANVAS}; }}
QWidget#page {{ background: {CANVAS}; }}
QFrame#card {{ background: {CARD}; border: 1px solid {LINE}; border-radius: 12px; }}
QFrame#sidebar {{ background: {SIDEBAR}; }}
QLabel#brand {{ color: white; font-size: 15pt; font-weight: 700; padding: 4px 0 18px 4px; }}
QLabel#userLabel {{ color: #c7c9f5; font-size: 9pt; padding: 4px; }}
QPushButton#nav {{
    color: #dcdcf7; background: transparent; border: none; border-radius: 8px;
    padding: 10px 14px; text-align: left; font-size: 10.5pt;
}}
QPushButton#nav:hover {{ background: #2e2a6b; }}
QPushButton#nav:checked {{ background: #3b3590; color: white; font-weight: 600; }}
QLabel#h1 {{ font-size: 19pt; font-weight: 700; }}
QLabel#h2 {{ font-size: 12.5pt; font-weight: 650; }}
QLabel#h3 {{ font-size: 10.5pt; font-weight: 650; }}
QLabel#muted {{ color: {MUTED}; }}
QLabel#big {{ font-size: 26pt; font-weight: 700; }}
QLabel#question {{ font-size: 14pt; font-weight: 600; }}
QLabel#timer {{ font-size: 20pt; font-weight: 600; font-family: "DejaVu Sans Mono", monospace; }}
QPushButton {{
    background: {CARD}; border: 1px solid #cfd4e0; border-radius: 8px; padding: 7px 14px;
}}
QPushButton:hover {{ border-color: {PRIMARY}; }}
QPushButton:disabled {{ color: #a0a6b4; background: #f2f3f7; border-color: {LINE}; }}
QPushButton#primary {{ background: {PRIMARY}; color: white; border: 1px solid {PRIMARY}; font-weight: 600; }}
QPushButton#primary:hover {{ background: {PRIMARY_DARK}; }}
QPushButton#primary:disabled {{ background: #a5a1f0; border-color: #a5a1f0; color: #f3f3ff; }}
QPushButton#danger {{ background: {CARD}; color: {DANGER}; border: 1px solid #f0b4ae; font-weight: 600; }}
QPushButton#danger:hover {{ background: {DANGER_SOFT}; }}
QPushButton#record {{
    background: {DANGER}; color: white; border: none; border-radius: 10px;
    padding: 9px 22px; font-weight: 700; font-size: 11pt;
}}
QPushButton#record:disabled {{ background: #e9a29b; }}
QPushButton#link {{
    background: transparent; border: none; color: {PRIMARY}; padding: 2px; text-align: left;
}}
QPushButton#link:hover {{ text-decoration: underline; }}
QLineEdit, QPlainTextEdit, QTextBrowser {{
    background: white; border: 1px solid #cfd4e0; border-radius: 8px; padding: 6px 8px;
    selection-background-color: {PRIMARY};
}}
QLineEdit:focus, QPlainTextEdit:focus {{ border-color: {PRIMARY}; }}
QLineEdit:disabled {{ background: #f2f3f7; color: #98a2b3; }}
QComboBox {{ min-height: 24px; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 2px; }}
QScrollBar::handle:vertical {{ background: #c9cedb; border-radius: 4px; min-height: 30px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; width: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
QPushButton#toggle:checked {{ background: {PRIMARY_SOFT}; border-color: {PRIMARY}; color: {PRIMARY_DARK}; }}
QProgressBar {{ background: #e8eaf3; border: none; border-radius: 4px; height: 8px; text-align: center; }}
QProgressBar::chunk {{ background: {PRIMARY}; border-radius: 4px; }}
QListWidget, QTableWidget {{ background: white; border: none; outline: none; }}
QListWidget::item {{ padding: 8px 6px; border-bottom: 1px solid {LINE}; }}
QListWidget::item:selected {{ background: {PRIMARY_SOFT}; color: {INK}; }}
QListWidget::item:hover {{ background: #f7f7fd; }}
QHeaderView::section {{
    background: white; border: none; border-bottom: 1px solid {LINE}; padding: 6px;
    font-weight: 600; color: {MUTED};
}}
QTableWidget {{ gridline-color: {LINE}; }}
QFrame#banner_error {{ background: {DANGER_SOFT}; border: 1px solid #f5c2bc; border-radius: 10px; }}
QFrame#banner_info {{ background: {PRIMARY_SOFT}; border: 1px solid #d4d7fb; border-radius: 10px; }}
QFrame#banner_success {{ background: {SUCCESS_SOFT}; border: 1px solid #bfe3cb; border-radius: 10px; }}
QFrame#banner_warning {{ background: {WARNING_SOFT}; border: 1px solid #f3d7a6; border-radius: 10px; }}
QRadioButton, QCheckBox {{ spacing: 8px; }}
"""


def apply(app: QApplication) -> None:
    app.setStyle("Fusion")
    font = QFont("DejaVu Sans")
    font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)


def qcolor(hex_color: str) -> QColor:
    return QColor(hex_color)
