## Layout
site-title = Community Camera Registry
language-switch = Español
skip-to-content = Skip to content
footer-contact = Questions? Call { $phone } or write to { $email }.

## Home
home-heading = Register your security camera
home-lead = { $department } keeps a confidential list of security cameras that residents and businesses have chosen to register. When a crime happens nearby, a child goes missing, or a person with dementia wanders off, officers can see which homes and businesses may have recorded something and ask their owners for help — in minutes instead of hours of knocking on doors.
home-what-heading = What it is for
home-what = Finding video that can solve a crime, bring a missing child home, or find a confused person before they come to harm. Officers contact you only when something happened near your camera.
home-not-heading = What it is not
home-not = It is not live access. Nobody can see through your camera, now or later. We never ask for your camera's login, serial number or any ID number. Sharing a recording is always your choice, case by case.
home-private-heading = Your details stay confidential
home-private = Your name, phone and e-mail are encrypted and seen only by authorised officers working a case; every look is recorded. Your address and camera details are never published.
home-yearly-heading = Once a year
home-yearly = We e-mail you once a year to confirm your entry is still right. You can change it or leave at any time, without calling anyone: leaving deletes your personal details at once.
home-register = Register my cameras
home-manage = Change or remove my registration

## Registration form
register-heading = Register your cameras
register-intro = It takes about a minute. Fields marked * are needed.
register-errors = Please correct the fields marked below.
section-you = About you
section-place = Where the cameras are
section-cameras = Your cameras
field-name = Your name *
field-phone = Phone
field-phone-hint = Needed if you prefer a call or text.
field-email = E-mail *
field-email-hint = We send one message to confirm your registration.
field-language = Language for our messages
field-contact-method = How should officers contact you?
contact-email = E-mail
contact-phone = Phone call
contact-text = Text message
field-kind = This is a
kind-residence = Home
kind-business = Business
field-business-name = Business name
field-address = Street address *
field-address-hint = For example: 1234 Main St
field-pin = Not found? Place your location
field-pin-hint = Tap the map at your building (when a map is shown), or type the latitude and longitude.
field-latitude = Latitude
field-longitude = Longitude
camera-heading = Camera { $number }
field-placement = Where is it mounted? *
placement-exterior = Outside
placement-interior = Inside
field-views = What does it see? *
view-street = Street
view-sidewalk = Sidewalk
view-driveway = Driveway
view-yard = Yard
view-parking_lot = Parking lot
view-alley = Alley
view-entrance = Entrance
field-facing = Which way does it face?
facing-unknown = Not sure
facing-N = North
facing-NE = Northeast
facing-E = East
facing-SE = Southeast
facing-S = South
facing-SW = Southwest
facing-W = West
facing-NW = Northwest
field-retention = How many days does it keep video?
field-recording = When does it record? *
recording-continuous = All the time
recording-motion = When it detects motion
field-export = Can you save a copy of a recording? *
export-yes = Yes
export-no = No
export-not_sure = Not sure
field-notes = Notes for officers (optional)
camera-add = Add another camera
camera-remove = Remove this camera
field-consent = I agree: { $consent }
field-website = Leave this field empty
register-submit = Register
consent-text = { $department } may keep these details confidential and contact me about incidents near my cameras. I can change or remove my registration at any time.

## Problems (one per field)
problem-required = This is needed.
problem-too-long = Please use at most { $max } characters.
problem-markup = Please leave out the characters < and >.
problem-phone = Please give a phone number with its area code, using digits only (for example 925-555-0100).
problem-email = Please give an e-mail address like name@example.org.
problem-choice = Please choose one of the options.
problem-facing = Please choose a direction, or give degrees from 0 to 360.
problem-retention = Please give a whole number of days from 0 to 3650.
problem-coordinates = Please give both latitude and longitude as numbers.
problem-too-many-cameras = One registration can list at most { $max } cameras.
problem-no-cameras = Please describe at least one camera.
problem-consent = Please tick the box to agree.
problem-phone-for-method = Please give a phone number, or choose e-mail as your contact.
problem-outside = This location is outside { $jurisdiction }. The registry only covers addresses in { $jurisdiction }.
problem-not-found = We could not find this address. Check it, or place your location on the map below.
problem-ambiguous = This address matches more than one place. Please place your location on the map below.
problem-not-open = Registration is not open yet: the department has not set the area it covers. Please try again later.
problem-expired-form = This form expired. Please send it again.
problem-rate-limited = Too many attempts from your connection. Please wait a minute and try again.
problem-too-large = That was too much data for one registration.
problem-unavailable = Something went wrong on our side. Nothing was lost; please try again in a few minutes.
unavailable-heading = The service is unavailable

## After registering
sent-heading = Check your e-mail
sent-body = We sent a message to the address you gave. Open the link in it to confirm your registration. Until you do, your entry is not used, and it is deleted after 7 days.
confirmed-heading = Thank you — you are registered
confirmed-body = Your cameras are now in the registry. We will e-mail you once a year to check your entry is still right.
link-invalid-heading = This link does not work
link-invalid-body = It may have been used already, or it expired. You can ask for a new one.

## Managing an entry
manage-heading = Change or remove your registration
manage-intro = Give the e-mail address you registered with. We send you a link that works once, for one hour.
manage-send = Send me a link
manage-sent = If that address is registered, a link is on its way. It works once, for one hour.
entry-heading = Your registration
entry-status = Status: { $status }
status-pending = waiting for your confirmation
status-active = active
status-paused = paused — officers do not see your cameras
status-lapsed = expired — please confirm it
entry-save = Save changes
entry-saved = Your changes are saved.
entry-pause = Pause my registration
entry-resume = Resume my registration
entry-paused = Your registration is paused.
entry-resumed = Your registration is active again.
entry-uses-heading = Use of your entry
entry-uses-intro = The department tells you each time an officer was given your contact details or you were asked for footage. Case details are never shown here.
entry-use-disclosed = { $date }: your contact details were given to an officer for an investigation.
entry-use-asked = { $date }: you were asked by e-mail to save or share a recording.
entry-use-none = Nobody has been given your contact details, and you have not been asked for footage.
optout-heading = Remove my registration
optout-body = This deletes your name, phone, e-mail, address and cameras from the registry at once. It cannot be undone.
optout-confirm = Yes, remove everything
optout-done-heading = Your registration is removed
optout-done-body = Your personal details and cameras are deleted. We sent a receipt to your e-mail. Thank you for taking part.
session-ended = Your session ended. Ask for a new link.

## E-mails
mail-confirm-subject = Please confirm your camera registration
mail-confirm-body =
    Hello { $name },

    Thank you for registering your cameras with { $department }.
    Please confirm your registration by opening this link (it works for 7 days):

    { $link }

    If you did not register, ignore this message: nothing is kept unless you confirm.
mail-manage-subject = Your link to change your camera registration
mail-manage-body =
    Hello,

    Open this link to change or remove your registration with { $department }.
    It works once, for one hour:

    { $link }

    If you did not ask for it, ignore this message.
mail-already-subject = You are already registered
mail-already-body =
    Hello,

    Someone (probably you) tried to register again with this e-mail address at { $department }.
    You are already registered. To change or remove your registration, open this link
    (it works once, for one hour):

    { $link }
mail-optout-subject = Your camera registration was removed
mail-optout-body =
    Hello,

    As you asked, your registration with { $department } is removed: your name, phone,
    e-mail, address and cameras were deleted on { $date }.

    Thank you for taking part. You are welcome to register again at any time.
mail-preserve-subject = Please save your camera's recording from { $window }
mail-preserve-body =
    Hello { $name },

    { $department } is investigating an incident, and your registered camera may have
    recorded it. Please save the recording from { $window } now, before your camera
    overwrites it. You do not need to send it yet: an officer will contact you to follow up.

    Questions: call { $department } at { $phone }.

    You receive this because your camera is in the department's camera registry. Nobody has
    live access to your camera, and you may leave the registry at any time.
mail-footage-subject = Request for your camera's recording, case { $case }
mail-footage-body =
    Hello { $name },

    { $department } asks for the recording of your registered camera from { $window },
    for case { $case }. Please call { $officer } at { $callback } to arrange how to hand it
    over. If you can, save the recording now, so that your camera does not overwrite it.

    You receive this because your camera is in the department's camera registry. Nobody has
    live access to your camera, and sharing a recording is your choice.
mail-welcome-subject = Please confirm your camera registration
mail-welcome-body =
    Hello { $name },

    { $department } is moving its list of registered security cameras to a new system.
    Your cameras are on that list. Please confirm your entry by opening this link
    (it works for 7 days); if you do not, it will not be used:

    { $link }

    You can change or remove your registration at any time.
mail-test-subject = Canvass test message
mail-test-body =
    This is a test message from Canvass, the community camera registry.
    If you received it, the mail settings work. No action is needed.

## Canvass sheet (printed by officers; the door script is printed in both languages)
sheet-title = Canvass sheet
sheet-case = Case
sheet-reason = Reason
sheet-incident-time = Incident time
sheet-incident-place = Incident at
sheet-area = Search area
sheet-area-radius = { $radius } m around the incident
sheet-area-polygon = Inside a drawn area
sheet-area-route = Within { $buffer } m of a route
sheet-area-missing = Last seen { $time }; { $radius } m around the last-seen point (walking { $speed } km/h)
sheet-created = Created
sheet-created-by = { $time } by { $name }
sheet-printed = Printed
sheet-cameras = Cameras
sheet-cameras-count = { $cameras } cameras at { $stops } stops
sheet-truncated = The area held { $found } cameras; only the nearest { $cameras } are listed.
sheet-contacts-shown = Contains owners' names and phone numbers. This disclosure is recorded in the audit trail. Keep the sheet secure and destroy it after use.
sheet-contacts-hidden = Owners' addresses and contact details are not on this sheet.
sheet-map-heading = Map
sheet-map-label = Map of the search area with the incident and the stops numbered in walking order
sheet-map-legend = Star: the incident. Numbered circles: stops in walking order, joined by a dashed line. Grey: the search area. North is up.
sheet-script-heading = At the door
sheet-script-hello = Hello, I am with { $department }. A security camera at this address is registered with our Community Camera Registry.
sheet-script-ask = We are looking into an incident nearby. May we ask whether your camera recorded anything between { $from } and { $until }?
sheet-script-preserve = If it did, please save that recording now, before your system records over it: export or download the clip and keep the original file as it is. Sharing it is always your choice.
sheet-script-never = We never ask for your camera's password or for live access. We will tell you how to hand the recording over.
sheet-walk-heading = Walking order
sheet-walk-summary = { $stops } stops, about { $km } km from the first to the last in straight lines.
sheet-stop-near = { $distance } m { $direction } of the incident
sheet-col-camera = Camera
sheet-col-placement = Placement
sheet-col-views = Views
sheet-col-faces = Faces incident
sheet-col-footage = Footage ({ $zone })
sheet-col-status = Status so far
sheet-owner = Owner
sheet-phone = Phone
sheet-email = E-mail
sheet-owner-language = Language
sheet-no-contact = No contact details on file for this owner.
sheet-outcome = Outcome
sheet-outcome-no-answer = No answer
sheet-outcome-contacted = Contacted
sheet-outcome-declined = Declined
sheet-outcome-footage = Footage obtained
sheet-outcome-no-footage = No footage
sheet-notes = Notes
sheet-footage-ok = kept until { $until }
sheet-footage-at-risk = AT RISK: overwritten { $until }
sheet-footage-overwritten = OVERWRITTEN since { $until }
sheet-footage-unknown = retention unknown
sheet-no-cameras = No registered camera is left in this canvass.
sheet-footer = Canvass { $id } · case { $case } · printed { $printed }
sheet-faces-yes = yes
sheet-faces-no = no
sheet-faces-unknown = unknown
sheet-placement-exterior = outside
sheet-placement-interior = inside
sheet-view-street = street
sheet-view-sidewalk = sidewalk
sheet-view-driveway = driveway
sheet-view-yard = yard
sheet-view-parking_lot = parking lot
sheet-view-alley = alley
sheet-view-entrance = entrance
sheet-status-not_contacted = not contacted
sheet-status-no_answer = no answer
sheet-status-contacted = contacted
sheet-status-declined = declined
sheet-status-footage_obtained = footage obtained
sheet-status-no_footage = no footage
sheet-dir-n = north
sheet-dir-ne = northeast
sheet-dir-e = east
sheet-dir-se = southeast
sheet-dir-s = south
sheet-dir-sw = southwest
sheet-dir-w = west
sheet-dir-nw = northwest
