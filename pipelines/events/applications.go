package events

// Application lifecycle statuses, in the order an application moves
// through them. An application ends issued or refused.
var ApplicationStatuses = []string{
	"submitted", "registered", "in_review", "interagency_request", "decided", "issued", "refused",
}

// ApplicationTypePrefix prefixes every application lifecycle event type:
// portal.application.submitted, portal.application.issued, ...
const ApplicationTypePrefix = "portal.application."

// Channels through which a citizen can apply.
var Channels = []string{"web", "mobile", "mahalla"}
