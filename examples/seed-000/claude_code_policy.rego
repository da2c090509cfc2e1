# The OPA side of seed 000 (load with: opa run --server claude_code_policy.rego).
# Warden sends the APISIX input document; the body is there because the route opts in
# with `opa.with_body`. Warden reads the package document: allow, reason, status_code.
package claude_code_policy

import rego.v1

default allow := false

production_db if input.request.body.database == "prod"

allow if not production_db

allow if {
	production_db
	input.consumer.labels.level == "production"
}

reason := "access to production database is not allowed for staging agent" if {
	production_db
	input.consumer.labels.level != "production"
}

status_code := 403 if not allow
