"""What the demo mailboxes say: people, conversation scripts and automated mail, per language.

All of it is invented for inboxsync; names, addresses and numbers are fictitious (`.example`
domains, 01 99 00 … and 555-01… phone numbers).
"""

from __future__ import annotations

from typing import NamedTuple


class Turn(NamedTuple):
    """One message of a scripted conversation.

    `who` is a key of the mailbox's people or "us" (the company). `style` names what is special
    about the message: "html" (HTML only), "pdf" (an attached quote), "image" (an inline photo),
    "latin1" (ISO-8859-1 body and RFC 2047 subject), "no-id" (no Message-ID), "no-refs" (a reply
    that lost In-Reply-To/References), "dup" (delivered twice), "ooo" (an out-of-office reply),
    "fwd" (forwards the script's `forwarded` message) or "bounce" (the recipient does not exist).
    """

    who: str
    text: str
    style: str = ""
    to: str = ""  # for a conversation the company starts: whom it writes to


class Forwarded(NamedTuple):
    """A third party's message that a client forwards to the company."""

    name: str
    email: str
    subject: str
    text: str


class Script(NamedTuple):
    """A conversation as the company's folders would file it."""

    folder: str
    subject: str
    inbox: int  # index of the company address the client writes to
    turns: tuple[Turn, ...]
    cc: tuple[str, ...] = ()
    cc_from: int = 1  # index of the first turn that copies `cc`
    forwarded: Forwarded | None = None


class Bulk(NamedTuple):
    """A newsletter (when `list_id` is set) or a no-reply notification."""

    name: str
    email: str
    subject: str
    text: str
    list_id: str = ""
    inbox: int = 0
    auto_generated: bool = False


class Voice(NamedTuple):
    """How mail reads in one language: greetings, sign-offs, prefixes, quote lines."""

    hello_company: str
    hello_client: str
    client_signoffs: tuple[str, ...]
    company_signoff: str
    signature: str
    quote_intro: str
    reply_prefixes: tuple[str, ...]
    forward_prefix: str
    forward_header: str
    lost_refs_prefix: str
    ooo_prefix: str
    unsubscribe: str
    utc_offset: int  # winter offset of the company's time zone, in hours


class Mailbox(NamedTuple):
    """Everything one demo company receives and sends."""

    voice: Voice
    people: dict[str, tuple[str, str]]
    scripts: tuple[Script, ...]
    bulk: tuple[Bulk, ...]


T = Turn

FRENCH = Mailbox(
    voice=Voice(
        hello_company="Bonjour,",
        hello_client="Bonjour {first},",
        client_signoffs=(
            "Cordialement,", "Bien cordialement,", "Merci d'avance,", "Bonne journée,"
        ),
        company_signoff="Bien cordialement,",
        signature="Claire Martin\nAtelier Lumière - rénovation & design intérieur\n"
        "14 rue des Tanneurs, 69001 Lyon - 01 99 00 12 34",
        quote_intro="Le {date}, {name} <{email}> a écrit :",
        reply_prefixes=("RE : ", "Re: "),
        forward_prefix="TR: ",
        forward_header="-------- Message transféré --------\nDe : {sender}\nDate : {date}\n"
        "Objet : {subject}\nÀ : {to}",
        lost_refs_prefix="Réf : ",
        ooo_prefix="Absence du bureau : ",
        unsubscribe="Vous recevez ce message car vous êtes abonné à {name}.\n"
        "Se désinscrire : {url}",
        utc_offset=1,
    ),
    people={
        "sophie": ("Sophie Bernard", "sophie.bernard@orange.example"),
        "thomas": ("Thomas Moreau", "thomas.moreau@free.example"),
        "julie": ("Julie Moreau", "julie.moreau@gmail.example"),
        "marc": ("Marc Petit", "marc.petit@laposte.example"),
        "isabelle": ("Isabelle Lambert", "isabelle.lambert@sfr.example"),
        "pierre": ("Pierre Garnier", "pierre.garnier@gmail.example"),
        "nathalie": ("Nathalie Fontaine", "n.fontaine@fontaine-associes.example"),
        "gerard": ("Gérard Lemaître", "gerard.lemaitre@wanadoo.example"),
        "amelie": ("Amélie Dubois", "amelie.dubois@groupe-hexa.example"),
        "hugo": ("Hugo Laurent", "hugo.laurent@gmail.example"),
        "chantal": ("Chantal Mercier", "chantal.mercier@orange.example"),
        "elodie": ("Élodie Fabre", "elodie.fabre@free.example"),
        "karim": ("Karim Benali", "karim.benali@outlook.example"),
        "lucie": ("Lucie Girard", "lucie.girard@laposte.example"),
        "tilleuls": ("Service comptable SCI Les Tilleuls", "compta@sci-les-tilleuls.example"),
        "lefevre": ("Martine Lefèvre", "m.lefevr@orange.example"),
        "julien": ("Julien Caron", "julien.caron@gmail.example"),
        "celine": ("Céline Morel", "celine.morel@bbox.example"),
        "arnaud": ("Arnaud Blanc", "arnaud.blanc@gmail.example"),
        "yann": ("Yann Le Goff", "yann.legoff@free.example"),
        "bruno": ("Bruno Chevalier", "b.chevalier@chevalier-immo.example"),
        "manon": ("Manon Perrin", "manon.perrin@gmail.example"),
        "odile": ("Odile Renaud", "odile.renaud@orange.example"),
    },
    scripts=(
        Script("Devis", "Devis rénovation salle de bains", 1, (
            T("sophie", "Nous aimerions refaire entièrement notre salle de bains, environ 6 m² à "
              "l'étage d'une maison des années 70 : remplacer la baignoire par une douche à "
              "l'italienne, changer le carrelage et le meuble vasque. Pourriez-vous nous faire "
              "un devis ? Nous habitons à Villeurbanne."),
            T("us", "Merci pour votre demande. Pour préparer un premier chiffrage, pourriez-vous "
              "nous envoyer quelques photos de la pièce et ses dimensions (longueur, largeur, "
              "hauteur sous plafond) ? Nous vous proposerons ensuite une visite technique."),
            T("sophie", "Voici une photo de la salle de bains telle qu'elle est aujourd'hui. Elle "
              "mesure 2,40 m sur 2,50 m, avec 2,45 m sous plafond. L'arrivée d'eau est du côté "
              "de la fenêtre.", "image"),
            T("us", "Vous trouverez ci-joint notre devis n° D-2026-118 pour la rénovation "
              "complète, fournitures et pose comprises. Les travaux dureraient environ trois "
              "semaines. Le devis est valable deux mois ; n'hésitez pas si vous souhaitez "
              "ajuster les finitions.", "pdf"),
            T("sophie", "Nous avons bien reçu le devis, merci. Nous sommes d'accord sur "
              "l'ensemble, mais pourrait-on remplacer le carrelage gris par le grès cérame beige "
              "proposé en option ? Dites-nous quand vous pourriez démarrer en janvier.",
              "no-refs"),
        )),
        Script("Devis", "Projet de cuisine ouverte", 0, (
            T("thomas", "Nous venons d'acheter un appartement à la Croix-Rousse et voudrions "
              "abattre la cloison entre la cuisine et le séjour pour créer une cuisine ouverte "
              "avec un îlot. Est-ce le genre de projet que vous prenez en charge ?\nJe mets ma "
              "femme Julie en copie, c'est elle qui suit le dossier."),
            T("us", "C'est tout à fait notre métier. Avant tout chiffrage, il faut vérifier que "
              "la cloison n'est pas porteuse : nous pouvons venir avec notre ingénieur "
              "structure. Avez-vous les plans de l'appartement ?"),
            T("julie", "Je prends le relais de Thomas. Nous avons les plans de la copropriété, "
              "je vous les scanne ce soir. Nous sommes disponibles les mardis et jeudis en fin "
              "d'après-midi pour une visite."),
            T("us", "Merci Julie. Je vous propose jeudi prochain à 17 h 30 avec notre ingénieur. "
              "La visite dure environ une heure et elle est gratuite."),
        ), cc=("julie",)),
        Script("Rendez-vous", "Visite technique pour un métré", 0, (
            T("marc", "Suite à notre échange téléphonique, je souhaiterais fixer un rendez-vous "
              "pour le métré de notre séjour (parquet et peinture). Quels créneaux avez-vous la "
              "semaine prochaine ?"),
            T("us", "Nous pouvons passer mardi à 9 h ou mercredi à 14 h. Le métré prend environ "
              "45 minutes ; merci de laisser les pièces accessibles."),
            T("marc", "Mercredi 14 h nous convient très bien. L'adresse est 8 impasse des "
              "Glycines à Caluire, code du portail 4512. À mercredi."),
        )),
        Script("Rendez-vous", "Report de la présentation de vendredi", 0, (
            T("isabelle", "J'ai un empêchement professionnel vendredi matin et ne pourrai pas "
              "assister à la présentation de la maquette 3D. Serait-il possible de la décaler "
              "au début de la semaine suivante ?"),
            T("us", "Aucun souci. Nous décalons la présentation à lundi 10 h dans nos locaux, "
              "rue des Tanneurs. Je vous envoie une invitation."),
        )),
        Script("Chantiers en cours", "Chantier rue des Lilas : planning des travaux", 0, (
            T("pierre", "Pouvez-vous me confirmer la date de démarrage du chantier ? Je dois "
              "prévenir les voisins et réserver une place pour la benne."),
            T("us", "Le démarrage est prévu lundi prochain à 8 h. La benne sera livrée le matin "
              "même et restera une semaine ; l'autorisation de voirie est à notre charge."),
            T("pierre", "Parfait. Pour les clés, je peux en laisser un jeu chez la gardienne, "
              "Mme Alves. Cela vous convient-il ?"),
            T("us", "Oui, très bien. Notre chef de chantier, Malik, passera les récupérer lundi "
              "à 7 h 45."),
            T("pierre", "Dernière question : nous hésitons encore pour la teinte du salon. "
              "Peut-on encore remplacer le blanc cassé par le vert sauge du nuancier ?"),
            T("us", "Oui, jusqu'à la fin de la semaine prochaine : les peintures ne sont "
              "commandées qu'après le ponçage. Je note le vert sauge (référence VS-214) pour le "
              "salon."),
        )),
        Script("Facturation", "Facture d'acompte F-2026-0412", 2, (
            T("nathalie", "Pourriez-vous me renvoyer la facture d'acompte du chantier de la rue "
              "Masséna ? Je ne la retrouve pas et notre expert-comptable en a besoin."),
            T("us", "La facture F-2026-0412 de 3 600 euros TTC est disponible dans votre espace "
              "client, rubrique « Documents ». Dites-moi si vous préférez la recevoir par "
              "courrier."),
            T("nathalie", "C'est bon, je l'ai retrouvée. Le virement de l'acompte est parti ce "
              "matin."),
        )),
        Script("Réclamations", "Problème de peinture écaillée dans l'entrée", 0, (
            T("gerard", "Les peintures de notre entrée ont été terminées il y a à peine un mois "
              "et la peinture s'écaille déjà près de la porte, sur environ un mètre carré. Je "
              "suis très déçu du résultat. Que comptez-vous faire ?", "latin1"),
            T("us", "Nous sommes désolés de cette mauvaise surprise. Il s'agit probablement d'un "
              "défaut d'adhérence sur l'ancienne laque. Notre chef de chantier peut passer jeudi "
              "matin ; la reprise sera bien sûr à notre charge."),
            T("gerard", "Jeudi matin me convient. Merci pour votre réactivité.", "latin1"),
        )),
        Script("Réclamations", "Retard de livraison du parquet", 0, (
            T("amelie", "Le parquet devait être posé cette semaine et personne ne s'est "
              "présenté lundi. Nous avons déplacé nos meubles pour rien et n'avons reçu aucune "
              "explication. C'est inadmissible."),
            T("us", "Je vous présente toutes nos excuses. Notre fournisseur a décalé la "
              "livraison du chêne massif sans nous prévenir à temps, et nous aurions dû vous "
              "appeler. La livraison est maintenant confirmée pour jeudi."),
            T("amelie", "Jeudi, soit. Mais nous avons posé deux jours de congé pour rien. "
              "J'attends un geste de votre part."),
            T("us", "C'est légitime. Nous vous proposons une remise de 10 % sur la pose du "
              "parquet ; elle figurera sur la facture de solde. La pose démarrera jeudi à 8 h."),
            T("amelie", "Je suis absente du bureau jusqu'au lundi 9 novembre inclus, avec un "
              "accès limité à ma messagerie. Pour toute urgence, merci de me joindre sur mon "
              "portable.", "ooo"),
        )),
        Script("Devis", "Bonjour", 0, (
            T("hugo", "Je cherche une entreprise pour repeindre la façade de ma maison (environ "
              "120 m², crépi). Faites-vous ce type de travaux, et dans quels délais ?"),
            T("us", "Nous ne réalisons pas nous-mêmes les ravalements de façade, mais nous "
              "travaillons avec un façadier partenaire de confiance. Souhaitez-vous que je lui "
              "transmette vos coordonnées ?"),
        )),
        Script("Rendez-vous", "Bonjour", 0, (
            T("chantal", "Votre showroom est-il ouvert le samedi ? Nous aimerions voir vos "
              "échantillons de carrelage et de papier peint avant de nous décider."),
        )),
        Script("Chantiers en cours", "Autorisation de travaux - copropriété du 22 rue Vauban", 0, (
            T("elodie", "Je vous transfère la réponse du syndic concernant nos travaux. "
              "Pouvez-vous leur envoyer l'attestation d'assurance décennale qu'ils demandent ?",
              "fwd"),
            T("us", "Merci Élodie. J'envoie dès aujourd'hui l'attestation et le planning au "
              "cabinet Roux, en vous mettant en copie."),
        ), forwarded=Forwarded(
            "Cabinet Roux", "gestion@cabinet-roux.example",
            "Autorisation de travaux - copropriété du 22 rue Vauban",
            "Madame Fabre,\nLe conseil syndical a donné son accord pour les travaux de votre "
            "appartement (dépose de la cloison non porteuse et réfection des sols), sous réserve "
            "de recevoir l'attestation d'assurance décennale de l'entreprise et son planning "
            "prévisionnel.\nLes travaux bruyants sont autorisés du lundi au vendredi, de 8 h 30 "
            "à 18 h.\nCabinet Roux - Gestion de copropriété",
        )),
        Script("Devis", "Dressing sur mesure pour une chambre mansardée", 1, (
            T("karim", "Je souhaiterais un devis pour un dressing sur mesure dans une chambre "
              "mansardée : 3,20 m de long, 2,10 m de haut côté mur et 1 m sous la pente. Plutôt "
              "des façades en chêne clair, avec des tiroirs intérieurs.", "html"),
            T("us", "Merci pour ces précisions. Les dressings sous pente sont une de nos "
              "spécialités ; nous vous enverrons une esquisse et un devis sous dix jours. "
              "Avez-vous un budget approximatif en tête ?"),
        )),
        Script("Devis", "Demande d'information", 0, (
            T("lucie", "J'ai vu sur Instagram votre réalisation de la maison de ville de Lyon 7e. "
              "Nous avons un projet similaire et aimerions être rappelés. Mon numéro : "
              "01 99 00 45 67.", "no-id"),
        )),
        Script("Facturation", "Facture de solde F-2026-0398", 2, (
            T("tilleuls", "Nous avons bien reçu votre facture de solde F-2026-0398. Pourriez-vous "
              "nous indiquer le RIB à utiliser ? Celui de la facture ne correspond pas à celui "
              "de l'acompte.", "dup"),
            T("us", "Le RIB a changé en septembre avec notre changement de banque ; celui qui "
              "figure sur la facture de solde est le bon. Je peux vous le confirmer par "
              "téléphone si vous le souhaitez."),
        )),
        Script("Devis", "Votre projet de véranda", 1, (
            T("us", "Suite à notre conversation téléphonique de ce matin, voici comme convenu "
              "les prochaines étapes : visite technique, esquisse, puis devis détaillé. Dites-moi "
              "quel jour vous arrangerait pour la visite.", "bounce", to="lefevre"),
        )),
        Script("Devis", "Isolation des combles perdus", 1, (
            T("julien", "Nous voudrions isoler nos combles perdus (environ 70 m²) et en profiter "
              "pour refaire le plafond du couloir. Pouvez-vous nous donner un ordre de prix ?"),
            T("us", "Nous isolons par soufflage de ouate de cellulose ; comptez 30 à 40 euros le "
              "mètre carré selon l'accès. Pour le plafond, nous devons voir l'état du support. "
              "Quand pourrions-nous passer ?"),
        )),
        Script("Chantiers en cours", "Plan d'implantation de la cuisine", 0, (
            T("celine", "J'ai regardé le plan d'implantation que vous nous avez envoyé. Est-il "
              "possible de déplacer l'évier sous la fenêtre ? Ce serait plus agréable."),
            T("us", "C'est possible : l'évacuation passe dans le mur voisin, le déplacement "
              "ajoute une demi-journée de plomberie. Je vous envoie le plan modifié demain."),
            T("celine", "Le nouveau plan nous convient parfaitement. On valide !"),
        )),
        Script("Rendez-vous", "Rendez-vous pour choisir les carrelages", 0, (
            T("arnaud", "Nous aimerions passer à l'atelier pour choisir les carrelages de la "
              "cuisine et de l'entrée. Quels jours seriez-vous disponibles ?"),
            T("us", "Avec plaisir : mardi ou jeudi après-midi, à partir de 14 h. Prévoyez une "
              "heure, et apportez si possible une photo des meubles de cuisine."),
        )),
        Script("Facturation", "Taux de TVA à 10 %", 2, (
            T("yann", "Sur votre devis, la TVA est à 10 %. Notre maison a plus de deux ans, mais "
              "nous n'avons rempli aucune attestation. Faut-il faire quelque chose ?"),
            T("us", "Oui : il faut remplir l'attestation simplifiée certifiant que le logement a "
              "plus de deux ans et nous la renvoyer signée avant le démarrage des travaux."),
        )),
        Script("Réclamations", "Fissure au plafond après travaux", 0, (
            T("bruno", "Une fissure d'environ 40 cm est apparue au plafond du séjour, juste "
              "au-dessus de la cloison que vous avez démolie. Est-ce normal ? Je m'inquiète."),
            T("us", "Une fine fissure de retrait peut apparaître après la dépose d'une cloison, "
              "mais nous devons la voir pour en être sûrs. Pouvez-vous nous envoyer une photo "
              "et la mesure de son ouverture ?"),
            T("bruno", "Elle fait moins d'un millimètre d'ouverture et n'a pas bougé depuis une "
              "semaine. Je vous la montrerai lors de votre passage mardi."),
        )),
        Script("Devis", "Peinture d'un appartement de 65 m²", 1, (
            T("manon", "Nous emménageons dans un T3 de 65 m² et souhaitons faire repeindre murs "
              "et plafonds avant l'arrivée des meubles, idéalement d'ici fin novembre. Est-ce "
              "jouable ?"),
            T("us", "Fin novembre reste possible si nous faisons le métré cette semaine. Un T3 "
              "de cette taille représente environ huit jours de travail pour deux peintres."),
        )),
        Script("Facturation", "Facture détaillée pour le crédit d'impôt", 2, (
            T("odile", "Pour notre déclaration d'impôts, il nous faudrait une facture qui "
              "distingue le matériel et la main-d'oeuvre pour les fenêtres. Pouvez-vous nous "
              "l'établir ?"),
            T("us", "Bien sûr. Je vous prépare une facture rectificative détaillée d'ici "
              "vendredi, avec les caractéristiques techniques des menuiseries demandées par "
              "l'administration."),
        )),
    ),
    bulk=(
        Bulk("Matériaux Pro", "newsletter@materiaux-pro.example",
             "Offres de la semaine : -20 % sur les plaques de plâtre",
             "Cette semaine dans vos agences Matériaux Pro : -20 % sur les plaques de plâtre "
             "BA13, -15 % sur les rails et montants.\nOffre réservée aux professionnels, valable "
             "jusqu'à samedi dans la limite des stocks.", "offres.materiaux-pro.example"),
        Bulk("Matériaux Pro", "newsletter@materiaux-pro.example",
             "Nouveau : retrait en 2 h dans nos agences de Lyon",
             "Commandez en ligne avant 10 h et retirez votre commande en agence deux heures plus "
             "tard.\nLe service est gratuit dans nos trois agences lyonnaises.",
             "offres.materiaux-pro.example"),
        Bulk("La Lettre du Bâtiment", "lettre@batimag.example",
             "MaPrimeRénov' : ce qui change au 1er janvier",
             "Au sommaire : les nouveaux plafonds de MaPrimeRénov', l'audit énergétique "
             "obligatoire, et notre dossier sur la pénurie de carreleurs en Auvergne-Rhône-Alpes.",
             "lettre.batimag.example"),
        Bulk("Peintures Orée", "actualites@peintures-oree.example",
             "Découvrez notre nuancier automne-hiver",
             "Terracotta, vert sauge, bleu de Prusse : douze nouvelles teintes mates lessivables "
             "rejoignent notre nuancier.\nÉchantillons gratuits sur simple demande.",
             "actualites.peintures-oree.example"),
        Bulk("Salon Maison & Déco", "infos@salon-maison-deco.example",
             "Salon Maison & Déco de Lyon : votre badge exposant",
             "Le salon ouvre ses portes dans trois semaines à Eurexpo.\nRetrouvez votre badge "
             "exposant et le plan des stands dans votre espace.",
             "infos.salon-maison-deco.example"),
        Bulk("PayFlow", "no-reply@payflow.example",
             "Paiement reçu : 2 400,00 euros de SCI Les Tilleuls",
             "Vous avez reçu un paiement de 2 400,00 euros de SCI Les Tilleuls.\nLes fonds seront "
             "disponibles sur votre compte sous deux jours ouvrés.", inbox=2),
        Bulk("SignBox", "no-reply@signbox.example", "Document signé : Devis D-2026-104",
             "Toutes les parties ont signé le document « Devis D-2026-104 ».\nLe document signé "
             "est disponible dans votre espace SignBox.", inbox=1),
        Bulk("HabitatPro", "ne-pas-repondre@habitatpro.example",
             "Nouvelle demande de devis : rénovation de cuisine à Écully",
             "Un particulier recherche un professionnel pour la rénovation d'une cuisine de "
             "12 m² à Écully.\nConnectez-vous à votre espace HabitatPro pour consulter la "
             "demande."),
        Bulk("Hébergo", "no-reply@hebergo.example", "Votre facture d'hébergement est disponible",
             "La facture de votre hébergement web pour le mois d'octobre est disponible dans "
             "votre espace client.", inbox=2),
    ),
)  # fmt: skip

ENGLISH = Mailbox(
    voice=Voice(
        hello_company="Hello,",
        hello_client="Hi {first},",
        client_signoffs=("Best regards,", "Thanks,", "Kind regards,", "Cheers,"),
        company_signoff="Best,",
        signature="Jordan Avery\nCustomer team, Northwind Analytics\n"
        "northwind-analytics.example - +1 555 0142",
        quote_intro="On {date}, {name} <{email}> wrote:",
        reply_prefixes=("RE: ", "Re: "),
        forward_prefix="Fwd: ",
        forward_header="---------- Forwarded message ---------\nFrom: {sender}\nDate: {date}\n"
        "Subject: {subject}\nTo: {to}",
        lost_refs_prefix="RE: ",
        ooo_prefix="Out of office: ",
        unsubscribe="You receive this email because you subscribed to {name}.\n"
        "Unsubscribe: {url}",
        utc_offset=0,
    ),
    people={
        "priya": ("Priya Shah", "priya.shah@brightlane.example"),
        "daniel": ("Daniel Okafor", "daniel.okafor@brightlane.example"),
        "tom": ("Tom Becker", "tom.becker@harborfoods.example"),
        "aisha": ("Aisha Rahman", "aisha.rahman@corvid-health.example"),
        "ingrid": ("Ingrid Larsen", "ingrid.larsen@kestrel-logistics.example"),
        "carlos": ("Carlos Mendes", "carlos.mendes@mendes-design.example"),
        "hannah": ("Hannah Wright", "hannah.wright@tidewater.example"),
        "ben": ("Ben Carter", "ben.carter@tidewater.example"),
        "sam": ("Sam Okoro", "sam@tidewater.example"),
        "liam": ("Liam O'Connor", "liam.oconnor@gmail.example"),
        "mei": ("Mei Tanaka", "mei.tanaka@sakura-travel.example"),
        "sophie": ("Sophie Turner", "sophie.turner@alder-bank.example"),
        "marco": ("Marco Ricci", "marco@ricci-commerce.example"),
        "ravi": ("Ravi Patel", "ravi.patel@quillco.example"),
        "emma": ("Emma Schulz", "emma.schulz@fernway.example"),
        "jurg": ("Jürg Meier", "juerg.meier@meier-treuhand.example"),
        "olivia": ("Olivia Grant", "olivia.grnat@lumenfield.example"),
        "lars": ("Lars Nilsson", "lars.nilsson@fjordbyte.example"),
        "nora": ("Nora Kelly", "nora.kelly@brightpath.example"),
        "grace": ("Grace Liu", "grace.liu@orchard-labs.example"),
        "victor": ("Victor Hale", "victor.hale@hale-partners.example"),
        "amara": ("Amara Diallo", "amara@datadriven-events.example"),
        "ethan": ("Ethan Brooks", "ethan.brooks@pinecrest.example"),
    },
    scripts=(
        Script("Sales", "Quote for 25 Analyst seats", 0, (
            T("priya", "We're evaluating Northwind for our analytics team and would like a quote "
              "for 25 Analyst seats on an annual plan. We'd also need SSO and a data processing "
              "agreement. Could you send pricing?"),
            T("us", "Thanks for reaching out! Annual Analyst seats are $58 per seat per month, "
              "and SSO is included from 20 seats. Before I put the quote together: do you need "
              "the Snowflake connector, and which entity should the quote be addressed to?"),
            T("priya", "Yes, Snowflake is a must. The billing entity is Brightlane Retail Ltd. "
              "I'm copying Daniel, our CFO, who will sign off."),
            T("daniel", "Daniel here. Is there a discount for a two-year commitment paid "
              "annually? And can invoices go to ap@brightlane.example?"),
            T("us", "For a two-year term we can offer 12% off. The attached quote Q-2026-0311 "
              "reflects that, with invoices addressed to ap@brightlane.example. It is valid "
              "until the end of the month.", "pdf"),
            T("priya", "Daniel approved the quote this morning. What are the next steps to sign "
              "the contract and set up the workspace?", "no-refs"),
        ), cc=("daniel",), cc_from=2),
        Script("Support", "Dashboard not refreshing since Monday", 1, (
            T("tom", "Our Weekly Sales dashboard hasn't refreshed since Monday morning. The last "
              "update is stuck at 06:00 and the numbers are clearly stale. Nothing changed on "
              "our side as far as I know."),
            T("us", "Sorry about that. Could you send me your workspace ID (Settings > "
              "Workspace) and, if possible, a screenshot of the data source page?"),
            T("tom", "The workspace ID is hf-prod-2291. Screenshot of the data source page "
              "below; it shows a warning I don't understand.", "image"),
            T("us", "Thanks, that helped. The Postgres password was rotated on your side, so the "
              "sync has failed since Monday. Once you update it under Data sources > Postgres, "
              "the dashboard will refresh within 15 minutes."),
            T("tom", "Updated the password and most dashboards are back. The Regional Margin "
              "dashboard still shows last week's numbers though."),
            T("us", "That one uses a cached extract on a daily schedule. I triggered a manual "
              "refresh, so it is up to date now, and moved it to an hourly schedule like the "
              "others."),
        )),
        Script("Support", "Salesforce connector failing with 401", 1, (
            T("aisha", "Since yesterday the Salesforce connector fails on every run with 'HTTP "
              "401 Unauthorized'. We reconnected it twice, same result."),
            T("us", "We've seen this when the integration user loses the 'API Enabled' "
              "permission. Could your Salesforce admin check that permission?"),
            T("aisha", "Our admin confirms API Enabled is on. They did switch us to a new "
              "connected app policy last week though. Could that matter?"),
            T("us", "Yes, that's it: the new policy requires admins to pre-approve connected "
              "apps. Your admin needs to pre-authorize 'Northwind Analytics' under Connected "
              "Apps > Manage; the next sync will then succeed."),
            T("aisha", "Thank you for your email. I'm out of the office until Monday, November 9, "
              "with limited access to email. For urgent matters, please contact "
              "it-support@corvid-health.example.", "ooo"),
        )),
        Script("Billing", "Invoice INV-2026-1187 is missing our VAT number", 2, (
            T("ingrid", "The invoice INV-2026-1187 we received yesterday doesn't show our VAT "
              "number, so our accounts payable team can't process it. Our VAT number is "
              "DK 12 34 56 78."),
            T("us", "Apologies for that. I've added the VAT number to your billing profile and "
              "reissued the invoice; the corrected version is under Billing > Invoices."),
            T("ingrid", "Got it, the new version is fine. Thanks for the quick turnaround."),
        )),
        Script("Billing", "Payment failed for our October invoice", 2, (
            T("carlos", "We got an automatic email saying the card payment for October failed. "
              "The card expired; how do I update it without losing access?"),
            T("us", "You won't lose access: there's a 14-day grace period. Update the card under "
              "Billing > Payment method and we'll retry the payment within the hour."),
        )),
        Script("Onboarding", "Kickoff call next week", 0, (
            T("hannah", "We signed last Friday and would like to schedule the kickoff call. Our "
              "team is in London and mostly free on Tuesday and Wednesday afternoons."),
            T("us", "Welcome aboard! How about Wednesday at 2:00 pm London time? Please bring "
              "whoever will connect the data sources; database credentials help."),
            T("hannah", "Wednesday at 2 works. I'll bring our data engineer, Sam. Could you send "
              "a calendar invite to both of us?"),
            T("us", "Invite sent to you and sam@tidewater.example. The agenda is in the invite; "
              "plan for 60 minutes."),
        )),
        Script("Onboarding", "Adding our regional managers as viewers", 1, (
            T("ben", "I'm the ops lead at Tidewater. We'd like our 12 regional managers to see "
              "the dashboards without being able to edit them. Do viewers count towards our "
              "plan?"),
            T("us", "Viewer seats are free and unlimited on your plan. Go to Settings > Members, "
              "click Invite and pick the Viewer role; you can paste all twelve addresses at "
              "once."),
        )),
        Script("Sales", "Question", 0, (
            T("liam", "How long do you keep our data if we cancel? We're a small agency and our "
              "clients keep asking."),
            T("us", "After cancellation we keep your workspace for 30 days so you can export "
              "it; everything is then deleted within 7 days, backups included. Section 9 of our "
              "DPA has the details."),
        )),
        Script("Sales", "Question", 0, (
            T("mei", "Do you support SAML single sign-on with Okta on the Team plan, or only on "
              "Enterprise?"),
        )),
        Script("Sales", "Vendor security questionnaire", 0, (
            T("sophie", "Forwarding this from our procurement team. Could you answer their "
              "questionnaire, or send your SOC 2 report if that covers it?", "fwd"),
            T("us", "Happy to help. I've shared our SOC 2 Type II report and our list of "
              "sub-processors through our trust portal; you should get an access link "
              "shortly."),
        ), forwarded=Forwarded(
            "Procurement Office", "procurement@alder-bank.example", "Vendor security questionnaire",
            "Hi Sophie,\nBefore we can approve Northwind Analytics as a vendor, we need their "
            "answers to our standard security questionnaire (encryption, access control, "
            "incident response, sub-processors), or an up-to-date SOC 2 Type II report.\nPlease "
            "have them reply by the end of next week.\nProcurement Office, Alder Bank",
        )),
        Script("Partnerships", "Partnership with a Shopify agency", 0, (
            T("marco", "We're a Shopify agency with about 40 merchant clients, many of whom ask "
              "for better reporting. We'd love to discuss a referral or reseller partnership. "
              "Who would be the right person to talk to?", "html"),
            T("us", "Thanks, Marco: that's me. We have a partner program with a 20% recurring "
              "referral fee. Would a 30-minute call on Thursday work for you?"),
        )),
        Script("Support", "CSV export stops at 10,000 rows", 1, (
            T("ravi", "When I export a table to CSV, the file always stops at exactly 10,000 "
              "rows, although the table has about 48,000. Is there a limit, and can it be "
              "raised?", "no-id"),
        )),
        Script("Billing", "Refund for unused seats", 2, (
            T("emma", "We reduced our team from 15 to 10 seats in the middle of our annual term. "
              "Are we entitled to a prorated refund for the five unused seats?", "dup"),
            T("us", "Seat reductions on annual plans take effect at renewal, so there's no "
              "refund for the current term. I can switch the five seats to Viewer now, which "
              "will lower your renewal quote."),
        )),
        Script("Billing", "Billing address for our Zürich office", 2, (
            T("jurg", "Please change the billing address on our account to our Zürich office: "
              "Meier Treuhand AG, Bahnhofstrasse 12, 8001 Zürich. Future invoices should show "
              "this address. Grüsse aus Zürich!", "latin1"),
            T("us", "Done: the billing address is now Meier Treuhand AG, Bahnhofstrasse 12, "
              "8001 Zürich, and it will appear on all future invoices."),
        )),
        Script("Sales", "Following up on your Northwind trial", 0, (
            T("us", "Your 14-day trial ends on Friday. I'd be glad to walk you through the "
              "reporting features your team hasn't tried yet. Would a short call this week "
              "help?", "bounce", to="olivia"),
        )),
        Script("Partnerships", "Reseller partnership in the Nordics", 0, (
            T("lars", "FjordByte is an IT consultancy in Oslo and Stockholm. Several of our "
              "customers use Northwind, and we'd like to become an official reseller for the "
              "Nordics. Do you have a reseller program?"),
            T("us", "We do, and the Nordics are a region we'd love to grow in. I'm sending our "
              "reseller terms separately; in short, a 25% margin and a certification for two of "
              "your consultants."),
            T("lars", "The terms look good. Could we meet in person? I'll be in London the week "
              "after next."),
        )),
        Script("Support", "Feature request: scheduled PDF reports", 1, (
            T("nora", "Our managers would like to get a PDF of the Monday dashboard by email "
              "every week instead of logging in.\nFrom what I can see this isn't possible "
              "today. Is it on your roadmap?"),
            T("us", "Scheduled PDF exports are in beta and I've enabled them for your workspace. "
              "Open the dashboard, click Share > Schedule, and choose PDF and a weekly "
              "cadence."),
        )),
        Script("Sales", "Demo request for our finance team", 0, (
            T("grace", "Our finance team (8 people) wants to replace a tangle of spreadsheets "
              "for monthly reporting. Could we book a demo?"),
            T("us", "Certainly. I can show you the finance templates (P&L, cash flow, budget vs "
              "actual) on Tuesday at 11:00 or Thursday at 15:00 UK time. Which suits you?"),
            T("grace", "Thursday at 15:00, please. Our controller will join as well."),
        )),
        Script("Billing", "Cancel our subscription", 2, (
            T("victor", "We've decided to consolidate our tools and would like to cancel our "
              "subscription at the end of the current term. Please confirm the steps."),
            T("us", "Sorry to see you go. I've scheduled the cancellation for the end of your "
              "term; your data stays available for export for 30 days after that. May I ask "
              "what made you switch?"),
            T("victor", "Mostly budget: our parent company standardised on another suite. The "
              "product itself worked well for us."),
        )),
        Script("Onboarding", "Connecting BigQuery with a service account", 1, (
            T("sam", "I'm setting up BigQuery for Tidewater. Which roles does the service "
              "account need? Our security team won't grant BigQuery Admin."),
            T("us", "No need for BigQuery Admin: BigQuery Data Viewer and BigQuery Job User on "
              "the project are enough. If you use authorized views, add Data Viewer on those "
              "datasets too."),
            T("sam", "That worked, the first tables are syncing. Thanks!"),
        )),
        Script("Partnerships", "Co-hosting a webinar in January", 0, (
            T("amara", "We run a monthly webinar series for data leaders, with about 2,000 "
              "registrants. Would Northwind like to co-host a session on self-service analytics "
              "in January?"),
            T("us", "That sounds great. Our head of product could present; could you send the "
              "audience profile and the sponsorship terms?"),
        )),
        Script("Support", "Login loop after enabling SSO", 1, (
            T("ethan", "Since we enabled SSO this morning, several users are stuck in a loop: "
              "they sign in with Okta, land on Northwind, then get sent back to Okta."),
            T("us", "This happens when the Okta app's ACS URL still points to the old login "
              "domain. Set it to https://app.northwind-analytics.example/sso/acs and ask users "
              "to clear their cookies."),
        )),
    ),
    bulk=(
        Bulk("SaaS Metrics Weekly", "weekly@saasmetrics.example",
             "Issue #142: Net revenue retention benchmarks for 2026",
             "This week: what good net revenue retention looks like at each ARR stage, and why "
             "expansion revenue beats new logos in a tight market.", "weekly.saasmetrics.example"),
        Bulk("SaaS Metrics Weekly", "weekly@saasmetrics.example",
             "Issue #143: Pricing pages that convert",
             "We reviewed 120 pricing pages. The winners show three plans, annual prices first, "
             "and a calculator rather than a contact form.", "weekly.saasmetrics.example"),
        Bulk("The Data Engineering Digest", "digest@dataengdigest.example",
             "dbt, DuckDB and the end of the nightly batch",
             "Five links worth your time: incremental models in dbt, DuckDB in production, and "
             "a case study on replacing nightly jobs with change data capture.",
             "digest.dataengdigest.example"),
        Bulk("CloudHost", "updates@cloudhost.example", "New regions in Frankfurt and Singapore",
             "Two new regions are generally available today, with managed Postgres and object "
             "storage from day one.", "updates.cloudhost.example"),
        Bulk("DataConf London", "events@dataconf.example",
             "Early-bird tickets end Friday",
             "DataConf London returns in March with 40 talks on analytics engineering. "
             "Early-bird pricing ends this Friday.", "events.dataconf.example"),
        Bulk("PayFlow", "no-reply@payflow.example",
             "Payment received: $2,450.00 from Tidewater Ltd",
             "You received a payment of $2,450.00 from Tidewater Ltd for invoice INV-2026-1174.\n"
             "Funds will be available in your account within two business days.", inbox=2),
        Bulk("SignBox", "no-reply@signbox.example",
             "Completed: Order form Q-2026-0298 signed by all parties",
             "All parties have signed 'Order form Q-2026-0298'. The signed document is attached "
             "to your SignBox account.", inbox=0),
        Bulk("CloudHost Billing", "noreply@cloudhost.example",
             "Your CloudHost invoice for October is available",
             "Your invoice for October is ready. The total will be charged to the card on file "
             "in three days.", inbox=2),
        Bulk("StatusWatch", "notifications@statuswatch.example",
             "[Resolved] Elevated API latency in eu-west",
             "The incident 'Elevated API latency in eu-west' has been resolved. Total duration: "
             "42 minutes.", auto_generated=True),
    ),
)  # fmt: skip

MAILBOXES = {"fr": FRENCH, "en": ENGLISH}

# What Postfix says when a recipient does not exist (RFC 3464 delivery status notification).
BOUNCE = """\
This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host {mx}.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<{rcpt}>: host mx.{rcpt_domain}[192.0.2.25] said: 550 5.1.1
    <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox
    table (in reply to RCPT TO command)

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; {mx}
X-Postfix-Queue-ID: {queue_id}
X-Postfix-Sender: rfc822; {sender}
Arrival-Date: {arrival}

Final-Recipient: rfc822; {rcpt}
Original-Recipient: rfc822;{rcpt}
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.{rcpt_domain}
Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User
    unknown in virtual mailbox table

--{boundary}
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{headers}

--{boundary}--
"""

# -- word lists for the synthetic benchmark mail -------------------------------------------
# English text stays ASCII (it is sent as us-ascii too); French text stays within ISO-8859-1.

FIRST_NAMES = {
    "en": (
        "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Mia", "Lucas", "Chloe", "Mason",
        "Grace", "Logan", "Ruby", "Owen", "Ella", "Henry", "Zoe", "Jack", "Lily", "Samuel", "Nora",
        "Isaac", "Hazel", "Leo", "Alice", "Adam", "Clara", "Ryan", "Maya",
    ),
    "fr": (
        "Camille", "Léa", "Hugo", "Chloé", "Louis", "Inès", "Jules", "Zoé", "Gabriel", "Manon",
        "Arthur", "Jade", "Raphaël", "Louise", "Théo", "Émilie", "Nathan", "Océane", "Mathis",
        "Élise", "Antoine", "Margaux", "Maxime", "Anaïs", "Quentin", "Céline", "Julien", "Hélène",
        "Bastien", "Agathe",
    ),
}  # fmt: skip
LAST_NAMES = {
    "en": (
        "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clark", "Lewis", "Walker", "Hall",
        "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell",
        "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins",
        "Edwards", "Stewart", "Morris",
    ),
    "fr": (
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefèbvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
        "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
        "François", "Rousseau", "Legrand",
    ),
}  # fmt: skip
DOMAINS = (
    "gmail.example", "outlook.example", "yahoo.example", "orange.example", "free.example",
    "laposte.example", "proton.example", "icloud.example", "brightlane.example",
    "harborfoods.example", "kestrel-logistics.example", "tidewater.example", "fjordbyte.example",
    "orchard-labs.example", "pinecrest.example", "alder-bank.example", "quillco.example",
    "fernway.example", "hale-partners.example", "corvid-health.example", "sci-les-tilleuls.example",
    "cabinet-roux.example", "groupe-hexa.example", "fontaine-associes.example", "bbox.example",
    "sfr.example", "wanadoo.example", "chevalier-immo.example", "atelier-nord.example",
    "boulangerie-paris.example", "mairie-lyon.example", "transports-rhone.example",
    "clinique-sud.example", "bureau-conseil.example", "meier-treuhand.example",
    "sakura-travel.example", "mendes-design.example", "ricci-commerce.example",
    "lumenfield.example", "brightpath.example",
)  # fmt: skip
SUBJECTS = {
    "en": (
        "Question about {thing}", "Problem with {thing}", "{Thing} not working",
        "Quote request: {thing}", "Invoice {num}", "Order {num}: {thing}", "Follow-up on {thing}",
        "Meeting about {thing}", "Update on {thing} (ticket {num})", "Access to {thing}",
        "Urgent: {thing}", "Renewal of {thing}", "Feedback on {thing}", "Change request #{num}",
        "{Thing}: next steps",
    ),
    "fr": (
        "Question sur {thing}", "Problème avec {thing}", "Demande de devis : {thing}",
        "Facture {num}", "Commande {num} : {thing}", "Relance : {thing}",
        "Rendez-vous pour {thing}", "Suivi de {thing} (dossier {num})",
        "Réclamation concernant {thing}", "Modification de {thing}", "Accès à {thing}",
        "Urgent : {thing}", "Renouvellement de {thing}", "Retour sur {thing}", "Dossier n° {num}",
    ),
}  # fmt: skip
THINGS = {
    "en": (
        "the new dashboard", "our account", "the API", "the March invoice", "the data export",
        "user permissions", "the mobile app", "SSO login", "the onboarding call",
        "our subscription", "the shipment", "the contract", "the quarterly report",
        "the integration", "password reset", "the training session", "the pricing", "the refund",
        "the delivery address", "the support ticket",
    ),
    "fr": (
        "notre contrat", "la facture de mars", "l'export des données", "la livraison",
        "notre abonnement", "le tableau de bord", "l'application mobile", "les droits d'accès",
        "la formation", "le devis", "le remboursement", "l'adresse de livraison",
        "le rapport trimestriel", "l'intégration", "le mot de passe", "le planning", "les travaux",
        "la commande", "le chantier", "le rendez-vous",
    ),
}  # fmt: skip
SENTENCES = {
    "en": (
        "Thanks for getting back to me so quickly.",
        "I have attached the details you asked for below.",
        "We noticed the issue again this morning, around nine o'clock.",
        "Could you confirm the dates before the end of the week?",
        "Our finance team needs the invoice with our purchase order number on it.",
        "The export finished, but several columns are empty.",
        "Let me know if a short call would be easier.",
        "We would like to add three more users to the account.",
        "Nothing has changed on our side since the last update.",
        "Please find the order reference and delivery address below.",
        "I checked with my colleagues and we are happy to go ahead.",
        "The numbers on the report do not match what we see in our system.",
        "Can you tell me when the next release is planned?",
        "We are still waiting for the replacement parts we ordered.",
        "Our contract renews next month and we would like to review the terms.",
        "I forwarded your message to our IT department.",
        "The link in your last email seems to have expired.",
        "We tried the steps you suggested, without success.",
        "Is there a discount for non-profit organisations?",
        "Please cancel the meeting on Thursday; we will propose another slot.",
        "The delivery arrived yesterday, but one box was damaged.",
        "We need the documents signed before our board meeting.",
        "Our office will be closed for the holidays from the 23rd.",
        "I am not sure which plan fits a team of our size.",
        "The problem only happens with large files.",
        "Thanks again for your help, it is much appreciated.",
    ),
    "fr": (
        "Merci pour votre retour rapide.",
        "Vous trouverez ci-dessous les informations demandées.",
        "Le problème est réapparu ce matin vers neuf heures.",
        "Pourriez-vous me confirmer les dates avant la fin de la semaine ?",
        "Notre service comptable a besoin de la facture avec notre numéro de commande.",
        "L'export s'est terminé, mais plusieurs colonnes sont vides.",
        "N'hésitez pas à m'appeler si c'est plus simple.",
        "Nous souhaitons ajouter trois utilisateurs au compte.",
        "Rien n'a changé de notre côté depuis la dernière mise à jour.",
        "Voici la référence de la commande et l'adresse de livraison.",
        "J'en ai parlé avec mes collègues et nous sommes d'accord pour continuer.",
        "Les chiffres du rapport ne correspondent pas à ceux de notre logiciel.",
        "Pouvez-vous me dire quand la prochaine version est prévue ?",
        "Nous attendons toujours les pièces de rechange commandées.",
        "Notre contrat arrive à échéance le mois prochain et nous voudrions en revoir les termes.",
        "J'ai transmis votre message à notre service informatique.",
        "Le lien de votre dernier message semble avoir expiré.",
        "Nous avons suivi la procédure indiquée, sans succès.",
        "Existe-t-il une remise pour les associations ?",
        "Merci d'annuler la réunion de jeudi ; nous proposerons un autre créneau.",
        "La livraison est arrivée hier, mais un carton était abîmé.",
        "Nous avons besoin des documents signés avant notre conseil d'administration.",
        "Nos bureaux seront fermés pendant les fêtes à partir du 23.",
        "Je ne sais pas quelle formule convient à une équipe de notre taille.",
        "Le problème ne se produit qu'avec les fichiers volumineux.",
        "Encore merci pour votre aide, c'est très apprécié.",
    ),
}  # fmt: skip
GREETINGS = {
    "en": ("Hello,", "Hi,", "Good morning,", "Dear team,"),
    "fr": ("Bonjour,", "Bonjour à tous,", "Madame, Monsieur,", "Bonsoir,"),
}
SIGNOFFS = {
    "en": ("Best regards,", "Thanks,", "Kind regards,", "Cheers,"),
    "fr": ("Cordialement,", "Bien à vous,", "Merci d'avance,", "Bonne journée,"),
}
REPLY_PREFIXES = {"en": ("Re: ", "RE: ", "Re: "), "fr": ("Re: ", "RE : ", "Réf : ")}
AUTO_REPLY_PREFIXES = {"en": "Automatic reply: ", "fr": "Réponse automatique : "}
AUTO_REPLY_TEXT = {
    "en": "I am out of the office with limited access to email and will reply when I return.",
    "fr": "Je suis absent(e) du bureau avec un accès limité à ma messagerie et vous répondrai "
    "dès mon retour.",
}
SERVICES = ("Nimbus", "Orbit", "Kite", "Maple", "Quartz", "Harbor", "Lumen", "Cobalt", "Juniper",
            "Atlas", "Ember", "Falcon", "Granite", "Helix", "Indigo", "Jasper", "Meridian",
            "Nova", "Onyx", "Prism")  # fmt: skip
AUTOMATED_SUBJECTS = {
    ("newsletter", "en"): ("Your weekly digest", "This month at {service}",
                           "New features in {service}", "Last chance: 20% off {service} Pro",
                           "Webinar invitation: getting more from {service}"),
    ("newsletter", "fr"): ("Votre lettre d'information", "Ce mois-ci chez {service}",
                           "Les nouveautés de {service}", "Dernier jour : -20 % sur {service} Pro",
                           "Invitation au webinaire {service}"),
    ("notice", "en"): ("Your {service} invoice is available", "Payment received",
                       "Your password was changed", "New sign-in to your {service} account",
                       "Your order has shipped", "Reminder: subscription renews in 7 days"),
    ("notice", "fr"): ("Votre facture {service} est disponible", "Paiement reçu",
                       "Votre mot de passe a été modifié", "Nouvelle connexion à votre compte",
                       "Votre commande a été expédiée", "Rappel : renouvellement dans 7 jours"),
}  # fmt: skip
