#include "ui/panels/oom_banner.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace studio::ui {

OomBanner::OomBanner(QWidget* parent) : QFrame(parent) {
    setObjectName(QStringLiteral("oomBanner"));
    setFrameShape(QFrame::StyledPanel);
    setStyleSheet(QStringLiteral("#oomBanner { background: #fff4e5; border: 1px solid #f0b429; border-radius: 4px; }"));
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(8, 6, 8, 6);
    auto* top = new QHBoxLayout;
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("oomText"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Dismiss"));
    close->setAutoRaise(true);
    top->addWidget(m_text, 1);
    top->addWidget(close, 0, Qt::AlignTop);
    v->addLayout(top);
    m_command = new QLabel(this);
    m_command->setWordWrap(true);
    m_command->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_command->setStyleSheet(QStringLiteral("color: #5d4037; font-family: monospace;"));
    v->addWidget(m_command);
    auto* buttons = new QHBoxLayout;
    m_apply = new QPushButton(tr("Apply and resume"), this);
    m_apply->setObjectName(QStringLiteral("oomApply"));
    m_copy = new QPushButton(tr("Copy command"), this);
    buttons->addWidget(m_apply);
    buttons->addWidget(m_copy);
    buttons->addStretch(1);
    v->addLayout(buttons);
    connect(close, &QToolButton::clicked, this, [this] { showAdvice(std::nullopt); });
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (m_advice && m_advice->hasSuggestion()) emit applyRequested(m_advice->suggestedBatch, m_advice->suggestedAccum);
    });
    connect(m_copy, &QPushButton::clicked, this, [this] {
        if (m_advice) QGuiApplication::clipboard()->setText(m_advice->command.isEmpty() ? m_advice->env : m_advice->command);
    });
    setVisible(false);
}

void OomBanner::showAdvice(const std::optional<OomSuggestion>& advice) {
    m_advice = advice;
    setVisible(advice.has_value());
    if (!advice) return;
    m_text->setText(tr("Out of memory: %1").arg(oomSuggestionText(*advice)));
    QString cmd = advice->command;
    if (!advice->env.isEmpty()) cmd += (cmd.isEmpty() ? QString() : QStringLiteral("\n")) + tr("or set: %1").arg(advice->env);
    m_command->setText(cmd);
    m_command->setVisible(!cmd.isEmpty());
    updateButtons();
}

void OomBanner::setRunActive(bool active) {
    m_runActive = active;
    updateButtons();
}

void OomBanner::setResumeProblem(const QString& problem) {
    m_resumeProblem = problem;
    updateButtons();
}

QString OomBanner::text() const { return m_text->text(); }

void OomBanner::updateButtons() {
    const bool can = m_advice && m_advice->hasSuggestion() && !m_runActive && m_resumeProblem.isEmpty();
    m_apply->setEnabled(can);
    m_apply->setToolTip(!m_advice || !m_advice->hasSuggestion() ? tr("No smaller batch split to suggest")
                        : m_runActive ? tr("Waiting for the run to write its checkpoint and exit")
                        : !m_resumeProblem.isEmpty() ? tr("Cannot resume: %1").arg(m_resumeProblem)
                                      : tr("Set batch size %1 and accumulation %2, then resume from the latest checkpoint")
                                            .arg(m_advice->suggestedBatch).arg(m_advice->suggestedAccum));
    m_copy->setEnabled(m_advice && !(m_advice->command.isEmpty() && m_advice->env.isEmpty()));
}

}  // namespace studio::ui
