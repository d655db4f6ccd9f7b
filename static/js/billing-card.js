// Billing page, production only (STRIPE_PUBLISHABLE_KEY set): Stripe.js confirms a SetupIntent
// for the card, then the form posts the resulting pm_… id. Card numbers never reach Trellis.
(function () {
  "use strict";
  var form = document.getElementById("billing-card-form");
  if (!form || !window.Stripe || !form.getAttribute("data-stripe-key")) { return; }
  var stripe = window.Stripe(form.getAttribute("data-stripe-key"));
  var card = stripe.elements().create("card");
  card.mount("#billing-card-element");
  var errors = document.getElementById("billing-card-errors");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  form.addEventListener("submit", function (event) {
    if (form.payment_method_id.value) { return; }
    event.preventDefault();
    fetch(form.getAttribute("data-setup-url"), {method: "POST", credentials: "same-origin",
                                                headers: {"X-CSRFToken": csrf}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.client_secret) { throw new Error((data.error && data.error.message) || "Could not start the card setup."); }
        return stripe.confirmCardSetup(data.client_secret, {payment_method: {card: card}});
      })
      .then(function (result) {
        if (result.error) { throw new Error(result.error.message); }
        form.payment_method_id.value = result.setupIntent.payment_method;
        form.submit();
      })
      .catch(function (err) { errors.textContent = err.message; });
  });
})();
