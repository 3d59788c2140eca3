/**
 * Every word a witness reads, in Spanish and English. Both catalogues have the same shape (the
 * `Catalogue` type enforces it), so a missing translation is a type error, not a blank on screen.
 * Plain words: many readers are frightened, on a small screen, on a slow link.
 */
import type { SubmitErrorCode } from "~/submit/errors";
import type { Lang } from "./lang";

export interface Catalogue {
  /** This language's name in itself, shown on the link that switches to it. */
  langName: string;
  siteName: string;
  tagline: string;
  demoBanner: string;
  nav: { home: string; submit: string; contact: string; language: string };
  noscript: { title: string; body: string; tor: string };
  home: {
    title: string;
    intro: string;
    start: string;
    protectsTitle: string;
    protects: string[];
    limitsTitle: string;
    limits: string[];
    torTitle: string;
    tor: string[];
    afterTitle: string;
    after: string;
    fingerprintTitle: string;
    fingerprint: string;
    fingerprintMissing: string;
  };
  submit: {
    title: string;
    intro: string;
    loading: string;
    keyringLoading: string;
    keyringReady: string;
    reportLegend: string;
    whatLabel: string;
    whatHint: string;
    whereLabel: string;
    whereHint: string;
    whenLabel: string;
    whenHint: string;
    whoLabel: string;
    whoHint: string;
    filesLegend: string;
    filesHint: string;
    addFiles: string;
    noFiles: string;
    removeFile: (name: string) => string;
    remove: string;
    filesSummary: (count: number, size: string) => string;
    tooManyFiles: (max: number) => string;
    send: string;
    sendAgain: string;
    keepOpen: string;
    leaveWarning: string;
  };
  progress: {
    title: string;
    total: string;
    encrypted: string;
    sent: string;
    filePercent: (encrypted: number, sent: number) => string;
    report: string;
  };
  status: {
    idle: string;
    preparing: string;
    sending: (percent: number) => string;
    offline: string;
    retrying: (seconds: number) => string;
    retryingNow: string;
    finishing: string;
    done: string;
    failed: string;
    blocked: string;
  };
  receipt: {
    title: string;
    body: string;
    filesTitle: string;
    onlyText: string;
    name: string;
    size: string;
    sha256: string;
    hashExplain: string;
    hashCaution: string;
    noTraceTitle: string;
    noTrace: string[];
    another: string;
  };
  codename: {
    title: string;
    offer: string;
    offerRisk: string;
    create: string;
    working: string;
    deriving: (percent: number) => string;
    key: string;
    registering: string;
    failed: string;
    yourCodename: string;
    adviceTitle: string;
    advice: string[];
    practiceLabel: string;
    practiceHint: string;
    practiceMatch: string;
    practiceMismatch: string;
    practiceUnknown: (words: string) => string;
    where: string;
  };
  contact: {
    title: string;
    intro: string;
    label: string;
    hint: string;
    open: string;
    deriving: (percent: number) => string;
    checking: string;
    checkingHard: string;
    decrypting: string;
    repliesTitle: string;
    noReplies: string;
    replyFrom: (day: string) => string;
    unreadable: string;
    unsignedWarning: string;
    replySigned: (label: string) => string;
    replyUnsigned: string;
    followUpsSent: (count: number) => string;
    followUpTitle: string;
    followUpIntro: string;
    messageLabel: string;
    messageHint: string;
    sendFollowUp: string;
    followUpDone: string;
    close: string;
    closeHint: string;
  };
  errors: Record<SubmitErrorCode, string>;
  errorDetail: string;
  tryAgain: string;
  errorPage: { notFoundTitle: string; notFound: string; title: string; body: string; home: string };
  bytes: { b: string; kb: string; mb: string; gb: string; exact: (n: string) => string };
}

const es: Catalogue = {
  langName: "Español",
  siteName: "Testigo",
  tagline: "Envío seguro de pruebas y testimonios",
  demoBanner: "MODO DE PRUEBA: claves de prueba. No envíes material real.",
  nav: { home: "Inicio", submit: "Enviar", contact: "Tengo un nombre clave", language: "Idioma" },
  noscript: {
    title: "Activa JavaScript para poder enviar",
    body:
      "El cifrado se hace aquí, en tu navegador. Por eso no se puede enviar nada hasta que permitas " +
      "JavaScript en este sitio. Sin JavaScript, nada de lo que escribas sale de tu dispositivo.",
    tor: "En Tor Browser: pon el nivel de seguridad en «Más seguro», no en «El más seguro».",
  },
  home: {
    title: "Envía pruebas que solo el equipo editorial podrá leer",
    intro:
      "Este portal cifra tu informe y tus archivos en tu propio navegador antes de enviarlos. " +
      "El servidor solo guarda datos cifrados. Solo el equipo editorial puede abrirlos, con claves que no están en el servidor.",
    start: "Empezar un envío",
    protectsTitle: "Lo que este portal protege",
    protects: [
      "Tu texto, tus archivos y sus nombres se cifran en este dispositivo. Quien se lleve el servidor o espíe la conexión solo ve datos cifrados.",
      "El tamaño exacto de cada archivo queda oculto.",
      "El servidor no guarda tu dirección IP ni datos de tu navegador, y no usa cookies. Este sitio no guarda nada en tu navegador.",
    ],
    limitsTitle: "Lo que NO puede proteger",
    limits: [
      "Un teléfono o computadora que te quiten, revisen o vigilen (por ejemplo, con programas espía). Los archivos siguen en tu dispositivo hasta que tú los borres.",
      "Que visitaste este sitio: tu proveedor de internet y quien vigile tu red pueden verlo, salvo que uses Tor Browser.",
      "Lo que muestran los propios archivos: caras, voces, lugares y datos ocultos como la ubicación GPS o el modelo del teléfono.",
    ],
    torTitle: "Usa Tor Browser",
    tor: [
      "Tor Browser oculta que visitaste este sitio y oculta tu dirección al servidor.",
      "Descárgalo solo de torproject.org. Si ese sitio está bloqueado, escribe a gettor@torproject.org para recibir un enlace.",
      "Pon el nivel de seguridad en «Más seguro», no en «El más seguro»: este portal necesita JavaScript para cifrar.",
    ],
    afterTitle: "Al terminar",
    after: "Cierra la pestaña. Si no usaste Tor Browser, borra también el historial del navegador.",
    fingerprintTitle: "Comprueba la clave de la organización",
    fingerprint:
      "Esta es la huella de la clave principal de la organización. Compárala con la que publicamos en otros lugares. " +
      "Si no coincide, no envíes nada.",
    fingerprintMissing: "La huella no está disponible. No envíes nada hasta poder comprobarla.",
  },
  submit: {
    title: "Enviar un informe",
    intro:
      "Todo es opcional, pero escribe algo o añade al menos un archivo. " +
      "Todo se cifra en este dispositivo antes de salir.",
    loading: "Cargando el cifrado… Si este mensaje no desaparece, recarga la página.",
    keyringLoading: "Comprobando las claves del equipo editorial…",
    keyringReady: "Claves del equipo editorial comprobadas.",
    reportLegend: "Tu informe",
    whatLabel: "¿Qué pasó?",
    whatHint: "Cuenta lo que viste o lo que muestran los archivos.",
    whereLabel: "¿Dónde?",
    whereHint: "Ciudad, barrio, calle, centro de votación…",
    whenLabel: "¿Cuándo?",
    whenHint: "Fecha y hora, aunque sean aproximadas.",
    whoLabel: "¿Quiénes?",
    whoHint: "Personas, cuerpos de seguridad o grupos que participaron. No hace falta que escribas tu nombre.",
    filesLegend: "Archivos",
    filesHint: "Fotos, videos, audios o documentos, del tamaño que sea. Los videos grandes tardan más en enviarse.",
    addFiles: "Añadir archivos",
    noFiles: "No has elegido ningún archivo.",
    removeFile: (name) => `Quitar ${name}`,
    remove: "Quitar",
    filesSummary: (count, size) => `${count} ${count === 1 ? "archivo" : "archivos"}, ${size} en total`,
    tooManyFiles: (max) => `Puedes enviar hasta ${max} archivos a la vez.`,
    send: "Cifrar y enviar",
    sendAgain: "Volver a intentar",
    keepOpen: "No cierres esta página ni apagues la pantalla hasta que termine.",
    leaveWarning: "El envío aún no ha terminado. Si sales de esta página, se detiene. ¿Salir de todos modos?",
  },
  progress: {
    title: "Progreso",
    total: "Total",
    encrypted: "Cifrado",
    sent: "Enviado",
    filePercent: (encrypted, sent) => `Cifrado ${encrypted} % · Enviado ${sent} %`,
    report: "Texto del informe",
  },
  status: {
    idle: "Listo para cifrar y enviar.",
    preparing: "Preparando el cifrado…",
    sending: (percent) => `Cifrando y enviando… ${percent} %`,
    offline: "Sin conexión. El envío seguirá solo cuando vuelva la conexión. No cierres esta página.",
    retrying: (seconds) => `Falló la conexión. Se vuelve a intentar en ${seconds} s. No cierres esta página.`,
    retryingNow: "Falló la conexión. Volviendo a intentar… No cierres esta página.",
    finishing: "Terminando el envío…",
    done: "Envío completo.",
    failed: "El envío se detuvo.",
    blocked: "No se puede enviar nada por ahora.",
  },
  receipt: {
    title: "Tu envío llegó",
    body: "El equipo editorial lo recibió cifrado. Nadie más puede leerlo.",
    filesTitle: "Archivos enviados",
    onlyText: "Enviaste solo texto, sin archivos.",
    name: "Nombre",
    size: "Tamaño",
    sha256: "Huella SHA-256",
    hashExplain:
      "La huella SHA-256 identifica cada archivo: si el archivo cambia aunque sea un poco, la huella cambia. " +
      "Con ella puedes demostrar más adelante qué archivo enviaste.",
    hashCaution:
      "Si copias estas huellas, guárdalas en un lugar seguro: también muestran que tú enviaste estos archivos.",
    noTraceTitle: "Para no dejar rastro",
    noTrace: [
      "Cierra esta pestaña.",
      "Si no usas Tor Browser, borra también el historial del navegador.",
      "Este sitio no guardó nada en tu navegador.",
    ],
    another: "Enviar otro informe",
  },
  codename: {
    title: "¿Quieres que el equipo editorial pueda responderte?",
    offer:
      "Puedes recibir un nombre clave: 7 palabras al azar. Con él podrás volver a este sitio, leer las preguntas del equipo editorial " +
      "y enviar más información o archivos. No necesitas cuenta, correo ni teléfono.",
    offerRisk:
      "Solo tú tendrás el nombre clave: no lo podemos recuperar. Si alguien lo encuentra (por ejemplo, escrito en tu teléfono), " +
      "podrá saber que enviaste esto y leer las respuestas.",
    create: "Crear mi nombre clave",
    working: "Creando tu nombre clave…",
    deriving: (percent) => `Preparando las claves en este dispositivo… ${percent} %`,
    key: "Creando tu clave de cifrado…",
    registering: "Guardando tu clave cifrada en el servidor…",
    failed: "No se pudo crear el nombre clave. Tu envío sí llegó. Puedes intentarlo de nuevo.",
    yourCodename: "Tu nombre clave",
    adviceTitle: "Cómo guardarlo",
    advice: [
      "Apréndelo de memoria. Es la forma más segura.",
      "No lo guardes en el teléfono, en fotos ni en mensajes: un teléfono revisado en un control te vincularía con este envío.",
      "Si tienes que escribirlo, hazlo en papel, sin decir qué es, y guárdalo lejos del teléfono.",
      "Se muestra solo esta vez. Nadie, tampoco el equipo editorial, puede recuperarlo.",
      "Vuelve en unos días a «Tengo un nombre clave» para ver si hay respuesta.",
    ],
    practiceLabel: "Practica: escribe tu nombre clave",
    practiceHint: "Lo que escribas aquí no sale de este dispositivo. No importan las mayúsculas ni las tildes.",
    practiceMatch: "Correcto. Lo recuerdas bien.",
    practiceMismatch: "Todavía no coincide. Revisa cada palabra.",
    practiceUnknown: (words) => `Estas palabras no están en la lista: ${words}`,
    where: "Para volver: página principal → «Tengo un nombre clave».",
  },
  contact: {
    title: "Tengo un nombre clave",
    intro:
      "Escribe las 7 palabras de tu nombre clave para leer las respuestas del equipo editorial y enviar más información. " +
      "El nombre clave no sale de este dispositivo: aquí se convierte en claves.",
    label: "Nombre clave",
    hint: "Siete palabras separadas por espacios. No importan las mayúsculas ni las tildes.",
    open: "Abrir",
    deriving: (percent) => `Calculando las claves en este dispositivo… ${percent} %`,
    checking: "Comprobando con el servidor…",
    checkingHard: "El servidor pide un cálculo extra para frenar abusos. Puede tardar un poco; no cierres la página.",
    decrypting: "Descifrando las respuestas…",
    repliesTitle: "Respuestas del equipo editorial",
    noReplies: "Todavía no hay respuestas. Vuelve en unos días.",
    replyFrom: (day) => `Respuesta del ${day}`,
    unreadable: "Esta respuesta no se pudo descifrar o no pasó la comprobación.",
    unsignedWarning:
      "Cuidado: una respuesta marcada «Sin firma» podría haberla escrito quien controle el servidor, haciéndose pasar por el equipo editorial. " +
      "Nunca envíes tu nombre, tu dirección ni datos que te identifiquen solo porque una respuesta te lo pida, esté firmada o no.",
    replySigned: (label) => `Firmada con la clave del equipo editorial «${label}» (comprobado en este navegador).`,
    replyUnsigned: "Sin firma: no se puede comprobar que la escribiera el equipo editorial.",
    followUpsSent: (count) => (count === 1 ? "Has enviado 1 mensaje más en esta conversación." : `Has enviado ${count} mensajes más en esta conversación.`),
    followUpTitle: "Enviar más información",
    followUpIntro: "Se cifra en este dispositivo, igual que tu primer envío, y llega a la misma conversación.",
    messageLabel: "Tu mensaje",
    messageHint: "Responde a las preguntas o añade lo que quieras.",
    sendFollowUp: "Cifrar y enviar",
    followUpDone: "Tu mensaje llegó a la conversación.",
    close: "Cerrar",
    closeHint: "Al cerrar, este dispositivo olvida el nombre clave y las respuestas.",
  },
  errors: {
    "nothing-to-send": "Escribe algo o añade al menos un archivo.",
    "invalid-input": "El informe es demasiado largo o hay demasiados archivos. Acórtalo e inténtalo de nuevo.",
    "no-webcrypto":
      "Este navegador no puede cifrar en esta página. Abre el sitio con https:// o con su dirección .onion, " +
      "en un navegador actualizado como Tor Browser.",
    "keyring-unavailable":
      "No se pudieron obtener las claves de cifrado del servidor. No se envió nada. Inténtalo más tarde.",
    "keyring-invalid":
      "Las claves de cifrado no superaron la comprobación. Por seguridad, no se cifra ni se envía nada. " +
      "No uses este sitio y avisa a la organización por otro medio.",
    "file-unreadable":
      "No se pudo leer un archivo. Puede que se haya movido o borrado. Quítalo, vuelve a añadirlo e inténtalo de nuevo.",
    rejected: "El servidor rechazó una parte del envío.",
    "server-full": "El servidor está lleno y no puede recibir más por ahora. Inténtalo más tarde.",
    conflict: "El servidor ya tenía otra versión de una parte de este envío. Es un fallo del sistema; inténtalo de nuevo.",
    "hash-mismatch": "El servidor confirmó datos distintos de los enviados. Es un fallo del sistema; inténtalo de nuevo.",
    "unknown-codename": "Ninguna conversación corresponde a este nombre clave. Revisa cada palabra e inténtalo de nuevo.",
    internal: "Algo falló en este navegador. No se envió nada sin cifrar. Inténtalo de nuevo.",
  },
  errorDetail: "Detalle",
  tryAgain: "Puedes volver a intentarlo: empezará un envío nuevo. Nada salió de aquí sin cifrar.",
  errorPage: {
    notFoundTitle: "No encontramos esta página",
    notFound: "La dirección no existe.",
    title: "Algo salió mal",
    body: "Vuelve a la página principal e inténtalo de nuevo.",
    home: "Ir a la página principal",
  },
  bytes: { b: "B", kb: "KB", mb: "MB", gb: "GB", exact: (n) => `${n} bytes` },
};

const en: Catalogue = {
  langName: "English",
  siteName: "Testigo",
  tagline: "Secure submission of evidence and testimony",
  demoBanner: "DEMO MODE: test keys, do not submit real material.",
  nav: { home: "Home", submit: "Send", contact: "I have a codename", language: "Language" },
  noscript: {
    title: "Allow JavaScript to send",
    body:
      "Encryption happens here, in your browser. So nothing can be sent until you allow JavaScript on this site. " +
      "Without JavaScript, nothing you type leaves your device.",
    tor: "In Tor Browser: set the security level to “Safer”, not “Safest”.",
  },
  home: {
    title: "Send evidence that only the editors can read",
    intro:
      "This portal encrypts your report and your files in your own browser before sending them. " +
      "The server only holds encrypted data. Only the editors can open it, with keys that are not on the server.",
    start: "Start a submission",
    protectsTitle: "What this portal protects",
    protects: [
      "Your text, your files and their names are encrypted on this device. Whoever takes the server or watches the connection sees only encrypted data.",
      "The exact size of each file stays hidden.",
      "The server keeps no IP address and nothing about your browser, and uses no cookies. This site stores nothing in your browser.",
    ],
    limitsTitle: "What it can NOT protect",
    limits: [
      "A phone or computer that is taken, searched or watched (for example, by spyware). Your files stay on your device until you delete them.",
      "That you visited this site: your internet provider and whoever watches your network can see it, unless you use Tor Browser.",
      "What the files themselves show: faces, voices, places, and hidden data such as GPS location or the phone model.",
    ],
    torTitle: "Use Tor Browser",
    tor: [
      "Tor Browser hides that you visited this site and hides your address from the server.",
      "Download it only from torproject.org. If that site is blocked, write to gettor@torproject.org to get a link.",
      "Set the security level to “Safer”, not “Safest”: this portal needs JavaScript to encrypt.",
    ],
    afterTitle: "When you are done",
    after: "Close the tab. If you did not use Tor Browser, also clear the browser history.",
    fingerprintTitle: "Check the organisation's key",
    fingerprint:
      "This is the fingerprint of the organisation's main key. Compare it with the one we publish elsewhere. " +
      "If it does not match, do not send anything.",
    fingerprintMissing: "The fingerprint is not available. Do not send anything until you can check it.",
  },
  submit: {
    title: "Send a report",
    intro:
      "Everything is optional, but write something or add at least one file. " +
      "Everything is encrypted on this device before it leaves.",
    loading: "Loading encryption… If this message does not go away, reload the page.",
    keyringLoading: "Checking the editors' keys…",
    keyringReady: "The editors' keys are checked.",
    reportLegend: "Your report",
    whatLabel: "What happened?",
    whatHint: "Tell what you saw or what the files show.",
    whereLabel: "Where?",
    whereHint: "City, neighbourhood, street, polling station…",
    whenLabel: "When?",
    whenHint: "Date and time, even if approximate.",
    whoLabel: "Who?",
    whoHint: "People, security forces or groups involved. You do not need to write your own name.",
    filesLegend: "Files",
    filesHint: "Photos, videos, audio or documents, of any size. Large videos take longer to send.",
    addFiles: "Add files",
    noFiles: "You have not chosen any file.",
    removeFile: (name) => `Remove ${name}`,
    remove: "Remove",
    filesSummary: (count, size) => `${count} ${count === 1 ? "file" : "files"}, ${size} in total`,
    tooManyFiles: (max) => `You can send up to ${max} files at once.`,
    send: "Encrypt and send",
    sendAgain: "Try again",
    keepOpen: "Do not close this page or turn off the screen until it is done.",
    leaveWarning: "Sending is not finished. If you leave this page, it stops. Leave anyway?",
  },
  progress: {
    title: "Progress",
    total: "Total",
    encrypted: "Encrypted",
    sent: "Sent",
    filePercent: (encrypted, sent) => `Encrypted ${encrypted} % · Sent ${sent} %`,
    report: "Report text",
  },
  status: {
    idle: "Ready to encrypt and send.",
    preparing: "Preparing encryption…",
    sending: (percent) => `Encrypting and sending… ${percent} %`,
    offline: "No connection. Sending will continue by itself when the connection is back. Do not close this page.",
    retrying: (seconds) => `The connection failed. Trying again in ${seconds} s. Do not close this page.`,
    retryingNow: "The connection failed. Trying again… Do not close this page.",
    finishing: "Finishing…",
    done: "Sending complete.",
    failed: "Sending stopped.",
    blocked: "Nothing can be sent for now.",
  },
  receipt: {
    title: "Your submission arrived",
    body: "The editors received it encrypted. No one else can read it.",
    filesTitle: "Files sent",
    onlyText: "You sent only text, no files.",
    name: "Name",
    size: "Size",
    sha256: "SHA-256 fingerprint",
    hashExplain:
      "The SHA-256 fingerprint identifies each file: if the file changes even a little, the fingerprint changes. " +
      "With it you can later prove which file you sent.",
    hashCaution: "If you copy these fingerprints, keep them somewhere safe: they also show that you sent these files.",
    noTraceTitle: "To leave no trace",
    noTrace: [
      "Close this tab.",
      "If you are not using Tor Browser, also clear the browser history.",
      "This site stored nothing in your browser.",
    ],
    another: "Send another report",
  },
  codename: {
    title: "Do you want the editors to be able to reply?",
    offer:
      "You can get a codename: 7 random words. With it you can come back to this site, read the editors' questions " +
      "and send more information or files. No account, email or phone number needed.",
    offerRisk:
      "Only you will have the codename: we cannot recover it. Anyone who finds it (for example, written in your phone) " +
      "can tell you sent this and can read the replies.",
    create: "Create my codename",
    working: "Creating your codename…",
    deriving: (percent) => `Preparing the keys on this device… ${percent} %`,
    key: "Creating your encryption key…",
    registering: "Storing your encrypted key on the server…",
    failed: "The codename could not be created. Your submission did arrive. You can try again.",
    yourCodename: "Your codename",
    adviceTitle: "How to keep it",
    advice: [
      "Learn it by heart. That is the safest way.",
      "Do not keep it in your phone, in photos or in messages: a phone searched at a checkpoint would link you to this submission.",
      "If you must write it down, use paper, do not say what it is, and keep it away from your phone.",
      "It is shown only this once. No one, not even the editors, can recover it.",
      "Come back in a few days to “I have a codename” to see if there is a reply.",
    ],
    practiceLabel: "Practise: type your codename",
    practiceHint: "What you type here does not leave this device. Capitals and accents do not matter.",
    practiceMatch: "Correct. You remember it.",
    practiceMismatch: "It does not match yet. Check every word.",
    practiceUnknown: (words) => `These words are not in the list: ${words}`,
    where: "To come back: home page → “I have a codename”.",
  },
  contact: {
    title: "I have a codename",
    intro:
      "Type the 7 words of your codename to read the editors' replies and send more information. " +
      "The codename does not leave this device: it is turned into keys here.",
    label: "Codename",
    hint: "Seven words separated by spaces. Capitals and accents do not matter.",
    open: "Open",
    deriving: (percent) => `Computing the keys on this device… ${percent} %`,
    checking: "Checking with the server…",
    checkingHard: "The server asks for extra work to slow down abuse. It may take a while; do not close the page.",
    decrypting: "Decrypting the replies…",
    repliesTitle: "Replies from the editors",
    noReplies: "No replies yet. Come back in a few days.",
    replyFrom: (day) => `Reply of ${day}`,
    unreadable: "This reply could not be decrypted or failed the check.",
    unsignedWarning:
      "Careful: a reply marked «Not signed» could have been written by whoever controls the server, pretending to be the editors. " +
      "Never send your name, your address or anything that identifies you just because a reply asks for it, signed or not.",
    replySigned: (label) => `Signed by the editors' key «${label}» (checked in this browser).`,
    replyUnsigned: "Not signed: there is no way to check that the editors wrote it.",
    followUpsSent: (count) => (count === 1 ? "You have sent 1 more message in this conversation." : `You have sent ${count} more messages in this conversation.`),
    followUpTitle: "Send more information",
    followUpIntro: "It is encrypted on this device, like your first submission, and joins the same conversation.",
    messageLabel: "Your message",
    messageHint: "Answer the questions or add whatever you want.",
    sendFollowUp: "Encrypt and send",
    followUpDone: "Your message reached the conversation.",
    close: "Close",
    closeHint: "Closing makes this device forget the codename and the replies.",
  },
  errors: {
    "nothing-to-send": "Write something or add at least one file.",
    "invalid-input": "The report is too long or there are too many files. Shorten it and try again.",
    "no-webcrypto":
      "This browser cannot encrypt on this page. Open the site with https:// or its .onion address, " +
      "in an up-to-date browser such as Tor Browser.",
    "keyring-unavailable": "The encryption keys could not be fetched from the server. Nothing was sent. Try again later.",
    "keyring-invalid":
      "The encryption keys failed the check. For your safety, nothing is encrypted or sent. " +
      "Do not use this site, and warn the organisation another way.",
    "file-unreadable": "A file could not be read. It may have been moved or deleted. Remove it, add it again and retry.",
    rejected: "The server refused part of the submission.",
    "server-full": "The server is full and cannot take more right now. Try again later.",
    conflict: "The server already had a different version of part of this submission. This is a system fault; try again.",
    "hash-mismatch": "The server confirmed different data than was sent. This is a system fault; try again.",
    "unknown-codename": "No conversation matches this codename. Check every word and try again.",
    internal: "Something failed in this browser. Nothing was sent unencrypted. Try again.",
  },
  errorDetail: "Detail",
  tryAgain: "You can try again: a new submission will start. Nothing was sent unencrypted.",
  errorPage: {
    notFoundTitle: "We could not find this page",
    notFound: "This address does not exist.",
    title: "Something went wrong",
    body: "Go back to the home page and try again.",
    home: "Go to the home page",
  },
  bytes: { b: "B", kb: "KB", mb: "MB", gb: "GB", exact: (n) => `${n} bytes` },
};

export const catalogues: Readonly<Record<Lang, Catalogue>> = { es, en };

export function messagesFor(lang: Lang): Catalogue {
  return catalogues[lang];
}
