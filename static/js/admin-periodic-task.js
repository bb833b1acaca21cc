/* The crontab help of django-celery-beat's periodic task form ("Translation:
   every Monday at 07:00"), moved out of an inline script for the CSP. */
(function () {
  "use strict";
  var $ = window.django && window.django.jQuery;
  var data = document.getElementById("readable-crontabs");
  if (!$ || !data) {
    return;
  }
  var readableCrontabs = JSON.parse(data.textContent);
  var help = $(".field-crontab .help");
  var originalHelp = help.html();
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var translation = readableCrontabs[$("#id_crontab").val()];
    help.html(originalHelp).append($("<br>"), document.createTextNode("Translation: " + (translation || "")));
  });
})();
