// Province → district → subdistrict picker, "use my location", anonymous toggle.
(function () {
  "use strict";
  const province = document.getElementById("province");
  const district = document.getElementById("district");
  const subdistrict = document.getElementById("subdistrict");

  function fill(select, items) {
    const first = select.options[0];
    select.replaceChildren(first);
    for (const item of items) {
      const option = document.createElement("option");
      option.value = item.code;
      option.textContent = item.name_th + " / " + item.name_en;
      select.appendChild(option);
    }
  }

  async function load(select, template, code) {
    fill(select, []);
    if (!code) return;
    const response = await fetch(template.replace("CODE", encodeURIComponent(code)));
    if (response.ok) fill(select, await response.json());
  }

  province.addEventListener("change", () => {
    fill(subdistrict, []);
    load(district, province.dataset.districtsUrl, province.value);
  });
  district.addEventListener("change", () => {
    load(subdistrict, district.dataset.subdistrictsUrl, district.value);
  });

  const button = document.getElementById("use-location");
  if (!("geolocation" in navigator)) {
    button.hidden = true;
  } else {
    button.addEventListener("click", () => {
      navigator.geolocation.getCurrentPosition((pos) => {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("lon").value = pos.coords.longitude.toFixed(6);
      });
    });
  }

  const anonymous = document.getElementById("anonymous");
  const contact = document.getElementById("contact-fields");
  function toggle() {
    contact.hidden = anonymous.checked;
    for (const input of contact.querySelectorAll("input")) input.disabled = anonymous.checked;
  }
  anonymous.addEventListener("change", toggle);
  toggle();
})();
