"""Who uses the wall: the roles (大屏, 运维, 评估, 管理员), a signed-in user, and the words of
the audit log. Kept in the core so the web shows them without touching the state database
(wall.state.auth keeps users, tokens, sessions and the audit log)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    screen = "screen"
    operator = "operator"
    evaluator = "evaluator"
    admin = "admin"


ROLE_LABEL = {
    Role.screen: "大屏",
    Role.operator: "运维",
    Role.evaluator: "评估",
    Role.admin: "管理员",
}
MIN_PASSWORD = 10


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    kind: str = "user"  # "user", or "token" for a kiosk screen signed in by its token
    id: int = 0


AUDIT_COLUMNS = ("时间", "用户", "角色", "操作", "对象", "详情", "来源地址")
ACTION_LABEL = {
    "login": "登录", "login_failed": "登录失败", "login_throttled": "登录受限", "logout": "退出",
    "token_login": "大屏令牌登录", "token_refused": "令牌无效", "export": "导出排名",
    "bulletin_download": "下载通报", "bulletin_make": "生成通报", "alert_ack": "确认告警",
    "user_add": "新增用户", "user_password": "修改密码", "user_disable": "停用用户",
    "token_add": "新增大屏令牌", "token_revoke": "吊销大屏令牌", "audit_export": "导出审计日志",
    "config_change": "配置变更", "thresholds_edit": "修改告警阈值",
    "access_denied": "拒绝访问", "csrf_failed": "CSRF 校验失败",
}  # fmt: skip
