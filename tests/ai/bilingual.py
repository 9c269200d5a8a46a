"""A small French/English set written for these tests: four folders of a small online shop,
four emails per folder, half in each language."""

from __future__ import annotations

# Descriptions in English only: the French emails must be understood, not keyword-matched.
FOLDERS = {
    "Billing": "Invoices, payments, double charges and refunds of money",
    "Delivery": "Shipping, parcels, tracking, late or lost orders, delivery address",
    "Technical": "Bugs, errors, login problems, the website or the app not working",
    "Sales": "Quotes, prices, product questions before buying, resellers and partnerships",
}

EMAILS = [
    (
        "Billing",
        "fr",
        "Facture en double",
        "Bonjour, j'ai été prélevé deux fois pour la même commande, pouvez-vous me rembourser ?",
    ),
    (
        "Billing",
        "fr",
        "Question sur ma facture",
        "Le montant de la facture de mars ne correspond pas au devis signé.",
    ),
    (
        "Billing",
        "en",
        "Charged twice",
        "Hi, my card was charged twice for order 5521. Please refund one payment.",
    ),
    (
        "Billing",
        "en",
        "Invoice request",
        "Could you send me a VAT invoice for my last payment?",
    ),
    (
        "Delivery",
        "fr",
        "Colis non reçu",
        "Ma commande devait arriver mardi et je n'ai toujours rien reçu. Le suivi ne bouge plus.",
    ),
    (
        "Delivery",
        "fr",
        "Changement d'adresse",
        "Est-il possible de livrer le colis à mon bureau plutôt qu'à mon domicile ?",
    ),
    (
        "Delivery",
        "en",
        "Where is my parcel?",
        "The tracking number says delivered but there is no parcel at my door.",
    ),
    (
        "Delivery",
        "en",
        "Shipping time",
        "How long does shipping to Canada take for a standard order?",
    ),
    (
        "Technical",
        "fr",
        "Impossible de me connecter",
        "Le site affiche une erreur 500 quand j'essaie de me connecter à mon compte.",
    ),
    (
        "Technical",
        "fr",
        "Bug application",
        "L'application plante à chaque ouverture depuis la dernière mise à jour.",
    ),
    (
        "Technical",
        "en",
        "Login error",
        "I reset my password but the login page still says invalid credentials.",
    ),
    (
        "Technical",
        "en",
        "App crash",
        "The mobile app crashes when I open the cart screen.",
    ),
    (
        "Sales",
        "fr",
        "Demande de devis",
        "Nous aimerions un devis pour 200 licences et connaître vos tarifs entreprise.",
    ),
    (
        "Sales",
        "fr",
        "Partenariat",
        "Nous sommes revendeurs et souhaiterions distribuer vos produits en Belgique.",
    ),
    (
        "Sales",
        "en",
        "Pricing question",
        "Do you offer volume discounts for schools? We need about 50 units.",
    ),
    (
        "Sales",
        "en",
        "Product comparison",
        "What is the difference between the Pro and the Basic plan before I buy?",
    ),
]
