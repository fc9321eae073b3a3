"""Who may see and do what: the one access layer between the services and the faces.

- `roles`, `permissions` (+ ``permissions.yaml``): roles as data — role × action × resource,
  and the permission every route needs;
- `users`, `passwords`, `sessions`, `throttle`, `login`: the user store, password policy,
  server-side sessions with idle and absolute expiry, login back-off and lock-out, all audited;
- `scope`, `redact`: the institutions under a user's nodes, and the one redaction rule;
- `state`, `principal`, `cache`: per-server state, the logged-in user with their scope, and
  the per-user caches;
- `http`: the same rules at the HTTP door for the API and the cockpit (authentication, role,
  CSRF, the action a write names);
- `views/`: what each page and endpoint shows for one user — JSON, HTML, CSV and XLSX all
  come from these.

Layering: ``services → access → api / web / cli``. Nothing here imports `yigong.api` or
`yigong.web`; `yigong.services` does not import this package.
"""
