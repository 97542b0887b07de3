## Diseño
site-title = Registro Comunitario de Cámaras
language-switch = English
skip-to-content = Saltar al contenido
footer-contact = ¿Preguntas? Llame al { $phone } o escriba a { $email }.

## Inicio
home-heading = Registre su cámara de seguridad
home-lead = { $department } mantiene una lista confidencial de las cámaras de seguridad que vecinos y negocios han decidido registrar. Cuando ocurre un delito cerca, desaparece un niño o se pierde una persona con demencia, los agentes pueden saber qué casas y negocios podrían haber grabado algo y pedir ayuda a sus dueños, en minutos en lugar de horas tocando puertas.
home-what-heading = Para qué sirve
home-what = Para encontrar video que ayude a resolver un delito, a traer a casa a un niño perdido o a encontrar a una persona desorientada antes de que sufra daño. Los agentes le contactan solo cuando algo ocurrió cerca de su cámara.
home-not-heading = Lo que no es
home-not = No es acceso en vivo. Nadie puede ver a través de su cámara, ni ahora ni después. Nunca pedimos el usuario o la contraseña de su cámara, su número de serie ni ningún número de identificación. Compartir una grabación es siempre su decisión, caso por caso.
home-private-heading = Sus datos son confidenciales
home-private = Su nombre, teléfono y correo se guardan cifrados y solo los ven agentes autorizados que trabajan un caso; cada consulta queda registrada. Su dirección y los datos de sus cámaras nunca se publican.
home-yearly-heading = Una vez al año
home-yearly = Le escribimos una vez al año para confirmar que sus datos siguen siendo correctos. Puede cambiarlos o darse de baja cuando quiera, sin llamar a nadie: al darse de baja borramos sus datos personales de inmediato.
home-register = Registrar mis cámaras
home-manage = Cambiar o eliminar mi registro

## Formulario de registro
register-heading = Registre sus cámaras
register-intro = Toma alrededor de un minuto. Los campos con * son obligatorios.
register-errors = Corrija los campos señalados abajo.
section-you = Sobre usted
section-place = Dónde están las cámaras
section-cameras = Sus cámaras
field-name = Su nombre *
field-phone = Teléfono
field-phone-hint = Necesario si prefiere una llamada o un mensaje de texto.
field-email = Correo electrónico *
field-email-hint = Le enviamos un mensaje para confirmar su registro.
field-language = Idioma de nuestros mensajes
field-contact-method = ¿Cómo prefiere que le contacten?
contact-email = Correo electrónico
contact-phone = Llamada
contact-text = Mensaje de texto
field-kind = Esto es
kind-residence = Una vivienda
kind-business = Un negocio
field-business-name = Nombre del negocio
field-address = Dirección *
field-address-hint = Por ejemplo: 1234 Main St
field-pin = ¿No aparece? Marque su ubicación
field-pin-hint = Toque el mapa sobre su edificio (si se muestra un mapa), o escriba la latitud y la longitud.
field-latitude = Latitud
field-longitude = Longitud
camera-heading = Cámara { $number }
field-placement = ¿Dónde está instalada? *
placement-exterior = Afuera
placement-interior = Adentro
field-views = ¿Qué ve? *
view-street = Calle
view-sidewalk = Acera
view-driveway = Entrada de autos
view-yard = Patio
view-parking_lot = Estacionamiento
view-alley = Callejón
view-entrance = Entrada
field-facing = ¿Hacia dónde apunta?
facing-unknown = No sé
facing-N = Norte
facing-NE = Noreste
facing-E = Este
facing-SE = Sureste
facing-S = Sur
facing-SW = Suroeste
facing-W = Oeste
facing-NW = Noroeste
field-retention = ¿Cuántos días guarda el video?
field-recording = ¿Cuándo graba? *
recording-continuous = Todo el tiempo
recording-motion = Cuando detecta movimiento
field-export = ¿Puede guardar una copia de una grabación? *
export-yes = Sí
export-no = No
export-not_sure = No sé
field-notes = Notas para los agentes (opcional)
camera-add = Agregar otra cámara
camera-remove = Quitar esta cámara
field-consent = Acepto: { $consent }
field-website = Deje este campo vacío
register-submit = Registrar
consent-text = { $department } puede guardar estos datos de forma confidencial y contactarme sobre incidentes cerca de mis cámaras. Puedo cambiar o eliminar mi registro cuando quiera.

## Problemas (uno por campo)
problem-required = Este dato es necesario.
problem-too-long = Use como máximo { $max } caracteres.
problem-markup = No use los caracteres < ni >.
problem-phone = Escriba un teléfono con su código de área, solo con números (por ejemplo 925-555-0100).
problem-email = Escriba un correo como nombre@ejemplo.org.
problem-choice = Elija una de las opciones.
problem-facing = Elija una dirección, o escriba grados de 0 a 360.
problem-retention = Escriba un número entero de días de 0 a 3650.
problem-coordinates = Escriba la latitud y la longitud, las dos como números.
problem-too-many-cameras = Un registro puede tener como máximo { $max } cámaras.
problem-no-cameras = Describa al menos una cámara.
problem-consent = Marque la casilla para aceptar.
problem-phone-for-method = Escriba un teléfono, o elija el correo como forma de contacto.
problem-outside = Esta ubicación está fuera de { $jurisdiction }. El registro solo incluye direcciones de { $jurisdiction }.
problem-not-found = No encontramos esta dirección. Revísela, o marque su ubicación en el mapa de abajo.
problem-ambiguous = Esta dirección coincide con más de un lugar. Marque su ubicación en el mapa de abajo.
problem-not-open = El registro aún no está abierto: el departamento no ha definido el área que cubre. Intente más tarde.
problem-expired-form = Este formulario venció. Envíelo de nuevo, por favor.
problem-rate-limited = Demasiados intentos desde su conexión. Espere un minuto e intente de nuevo.
problem-too-large = Son demasiados datos para un registro.
problem-unavailable = Algo falló de nuestro lado. No se perdió nada; intente de nuevo en unos minutos.
unavailable-heading = El servicio no está disponible

## Después de registrarse
sent-heading = Revise su correo
sent-body = Le enviamos un mensaje a la dirección que nos dio. Abra el enlace para confirmar su registro. Mientras no lo confirme, no se usa, y se borra después de 7 días.
confirmed-heading = Gracias, ya está registrado
confirmed-body = Sus cámaras ya están en el registro. Le escribiremos una vez al año para confirmar que sus datos siguen siendo correctos.
link-invalid-heading = Este enlace no funciona
link-invalid-body = Puede que ya se haya usado o que haya vencido. Puede pedir uno nuevo.

## Administrar un registro
manage-heading = Cambiar o eliminar su registro
manage-intro = Escriba el correo con el que se registró. Le enviamos un enlace que funciona una sola vez, durante una hora.
manage-send = Enviarme un enlace
manage-sent = Si ese correo está registrado, le llegará un enlace. Funciona una sola vez, durante una hora.
entry-heading = Su registro
entry-status = Estado: { $status }
status-pending = esperando su confirmación
status-active = activo
status-paused = en pausa: los agentes no ven sus cámaras
status-lapsed = vencido: confírmelo, por favor
entry-save = Guardar cambios
entry-saved = Sus cambios se guardaron.
entry-pause = Pausar mi registro
entry-resume = Reanudar mi registro
entry-paused = Su registro está en pausa.
entry-resumed = Su registro está activo de nuevo.
entry-uses-heading = Uso de su registro
entry-uses-intro = El departamento le informa cada vez que un agente recibió sus datos de contacto o se le pidió una grabación. Aquí nunca se muestran detalles de casos.
entry-use-disclosed = { $date }: sus datos de contacto se entregaron a un agente para una investigación.
entry-use-asked = { $date }: se le pidió por correo guardar o compartir una grabación.
entry-use-none = Nadie ha recibido sus datos de contacto y no se le ha pedido ninguna grabación.
optout-heading = Eliminar mi registro
optout-body = Esto borra de inmediato su nombre, teléfono, correo, dirección y cámaras del registro. No se puede deshacer.
optout-confirm = Sí, eliminar todo
optout-done-heading = Su registro fue eliminado
optout-done-body = Sus datos personales y sus cámaras fueron borrados. Le enviamos un comprobante por correo. Gracias por participar.
session-ended = Su sesión terminó. Pida un enlace nuevo.

## Correos
mail-confirm-subject = Confirme el registro de sus cámaras
mail-confirm-body =
    Hola, { $name }:

    Gracias por registrar sus cámaras con { $department }.
    Confirme su registro abriendo este enlace (funciona durante 7 días):

    { $link }

    Si usted no se registró, ignore este mensaje: no guardamos nada si no lo confirma.
mail-manage-subject = Su enlace para cambiar el registro de sus cámaras
mail-manage-body =
    Hola:

    Abra este enlace para cambiar o eliminar su registro con { $department }.
    Funciona una sola vez, durante una hora:

    { $link }

    Si usted no lo pidió, ignore este mensaje.
mail-already-subject = Usted ya está registrado
mail-already-body =
    Hola:

    Alguien (probablemente usted) intentó registrarse de nuevo con este correo en { $department }.
    Usted ya está registrado. Para cambiar o eliminar su registro, abra este enlace
    (funciona una sola vez, durante una hora):

    { $link }
mail-optout-subject = Su registro de cámaras fue eliminado
mail-optout-body =
    Hola:

    Como lo pidió, su registro con { $department } fue eliminado: su nombre, teléfono,
    correo, dirección y cámaras se borraron el { $date }.

    Gracias por participar. Puede registrarse de nuevo cuando quiera.
mail-preserve-subject = Por favor guarde la grabación de su cámara del { $window }
mail-preserve-body =
    Hola, { $name }:

    { $department } investiga un incidente y es posible que su cámara registrada lo haya
    grabado. Por favor guarde ahora la grabación del { $window }, antes de que su cámara la
    sobrescriba. Todavía no necesita enviarla: un agente se comunicará con usted.

    Preguntas: llame a { $department } al { $phone }.

    Recibe este mensaje porque su cámara está en el registro de cámaras del departamento.
    Nadie tiene acceso en vivo a su cámara, y puede salir del registro cuando quiera.
mail-footage-subject = Solicitud de la grabación de su cámara, caso { $case }
mail-footage-body =
    Hola, { $name }:

    { $department } solicita la grabación de su cámara registrada del { $window },
    para el caso { $case }. Por favor llame a { $officer } al { $callback } para acordar cómo
    entregarla. Si puede, guarde la grabación ahora para que su cámara no la sobrescriba.

    Recibe este mensaje porque su cámara está en el registro de cámaras del departamento.
    Nadie tiene acceso en vivo a su cámara, y compartir una grabación es su decisión.
mail-welcome-subject = Confirme el registro de sus cámaras
mail-welcome-body =
    Hola, { $name }:

    { $department } está pasando su lista de cámaras de seguridad registradas a un sistema nuevo.
    Sus cámaras están en esa lista. Confirme sus datos abriendo este enlace
    (funciona durante 7 días); si no lo hace, no se usarán:

    { $link }

    Puede cambiar o eliminar su registro cuando quiera.
mail-test-subject = Mensaje de prueba de Canvass
mail-test-body =
    Este es un mensaje de prueba de Canvass, el registro comunitario de cámaras.
    Si lo recibió, la configuración del correo funciona. No tiene que hacer nada.

## Hoja de canvass (la imprimen los agentes; el guion de la puerta va en los dos idiomas)
sheet-title = Hoja de visitas
sheet-case = Caso
sheet-reason = Motivo
sheet-incident-time = Hora del incidente
sheet-incident-place = Lugar del incidente
sheet-area = Zona de búsqueda
sheet-area-radius = { $radius } m alrededor del incidente
sheet-area-polygon = Dentro de una zona dibujada
sheet-area-route = A menos de { $buffer } m de un recorrido
sheet-area-missing = Visto por última vez { $time }; { $radius } m alrededor de ese punto (caminando a { $speed } km/h)
sheet-created = Creada
sheet-created-by = { $time } por { $name }
sheet-printed = Impresa
sheet-cameras = Cámaras
sheet-cameras-count = { $cameras } cámaras en { $stops } paradas
sheet-truncated = La zona tenía { $found } cámaras; solo se listan las { $cameras } más cercanas.
sheet-contacts-shown = Contiene nombres y teléfonos de los dueños. Esta divulgación queda registrada en la auditoría. Guarde la hoja en lugar seguro y destrúyala después de usarla.
sheet-contacts-hidden = Esta hoja no lleva direcciones ni datos de contacto de los dueños.
sheet-map-heading = Mapa
sheet-map-label = Mapa de la zona de búsqueda con el incidente y las paradas numeradas en orden de recorrido
sheet-map-legend = Estrella: el incidente. Círculos numerados: paradas en orden de recorrido, unidas por una línea discontinua. Gris: la zona de búsqueda. El norte está arriba.
sheet-script-heading = En la puerta
sheet-script-hello = Buenos días, soy de { $department }. Una cámara de seguridad de esta dirección está inscrita en nuestro Registro Comunitario de Cámaras.
sheet-script-ask = Estamos investigando un incidente cerca de aquí. ¿Podemos preguntarle si su cámara grabó algo entre { $from } y { $until }?
sheet-script-preserve = Si grabó algo, guarde esa grabación ahora, antes de que el sistema la sobrescriba: exporte o descargue el video y conserve el archivo original tal como está. Compartirlo es siempre su decisión.
sheet-script-never = Nunca le pedimos la contraseña de su cámara ni acceso en vivo. Le diremos cómo entregarnos la grabación.
sheet-walk-heading = Orden de recorrido
sheet-walk-summary = { $stops } paradas, unos { $km } km de la primera a la última en línea recta.
sheet-stop-near = a { $distance } m al { $direction } del incidente
sheet-col-camera = Cámara
sheet-col-placement = Ubicación
sheet-col-views = Vista
sheet-col-faces = Mira al incidente
sheet-col-footage = Grabación ({ $zone })
sheet-col-status = Estado hasta ahora
sheet-owner = Dueño
sheet-phone = Teléfono
sheet-email = Correo
sheet-owner-language = Idioma
sheet-no-contact = No hay datos de contacto de este dueño.
sheet-outcome = Resultado
sheet-outcome-no-answer = No abrieron
sheet-outcome-contacted = Contactado
sheet-outcome-declined = Se negó
sheet-outcome-footage = Grabación obtenida
sheet-outcome-no-footage = Sin grabación
sheet-notes = Notas
sheet-footage-ok = se guarda hasta { $until }
sheet-footage-at-risk = EN RIESGO: se sobrescribe { $until }
sheet-footage-overwritten = SOBRESCRITA desde { $until }
sheet-footage-unknown = conservación desconocida
sheet-no-cameras = No queda ninguna cámara registrada en este canvass.
sheet-footer = Canvass { $id } · caso { $case } · impresa { $printed }
sheet-faces-yes = sí
sheet-faces-no = no
sheet-faces-unknown = se desconoce
sheet-placement-exterior = afuera
sheet-placement-interior = adentro
sheet-view-street = calle
sheet-view-sidewalk = acera
sheet-view-driveway = entrada de autos
sheet-view-yard = patio
sheet-view-parking_lot = estacionamiento
sheet-view-alley = callejón
sheet-view-entrance = entrada
sheet-status-not_contacted = sin contactar
sheet-status-no_answer = no abrieron
sheet-status-contacted = contactado
sheet-status-declined = se negó
sheet-status-footage_obtained = grabación obtenida
sheet-status-no_footage = sin grabación
sheet-dir-n = norte
sheet-dir-ne = noreste
sheet-dir-e = este
sheet-dir-se = sureste
sheet-dir-s = sur
sheet-dir-sw = suroeste
sheet-dir-w = oeste
sheet-dir-nw = noroeste
