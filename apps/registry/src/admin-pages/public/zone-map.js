// The safe-zone map of a resident, on Leaflet (loaded before this module as /admin/leaflet.js,
// the global L). Tiles come from the registry's ADMIN_MAP_TILE_URL; without tiles (none set, or
// none reachable) the map still draws the zones on a plain grid, and every zone can be typed in
// the fields beside it: the map is a help, never the only way.
//
// Drawing: "Draw a circle" then press on the centre and drag out to the radius; "Draw an area"
// then click each corner and "Finish the area". Own handlers on Leaflet's map events.

const DEFAULT_CENTER = [59.9139, 10.7522];

export function createZoneMap(container, { tileUrl, attribution, zoomInLabel, zoomOutLabel }) {
  const L = globalThis.L;
  const map = L.map(container, { zoomControl: false, keyboard: true }).setView(DEFAULT_CENTER, 14);
  L.control.zoom({ zoomInTitle: zoomInLabel, zoomOutTitle: zoomOutLabel }).addTo(map);
  if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19, attribution }).addTo(map);
  const drawn = L.layerGroup().addTo(map);
  let mode = null;
  let sketch = null;
  let corners = [];
  let onDrawn = () => {};

  const stopDrawing = () => {
    mode = null;
    sketch?.remove();
    sketch = null;
    corners = [];
    map.dragging.enable();
    container.classList.remove('drawing');
  };

  map.on('mousedown', (event) => {
    if (mode !== 'circle') return;
    sketch = L.circle(event.latlng, { radius: 1, className: 'zone-sketch' }).addTo(map);
  });
  map.on('mousemove', (event) => {
    if (mode === 'circle' && sketch) sketch.setRadius(Math.max(1, sketch.getLatLng().distanceTo(event.latlng)));
    if (mode === 'polygon' && sketch && corners.length) sketch.setLatLngs([...corners, event.latlng]);
  });
  map.on('mouseup', () => {
    if (mode !== 'circle' || !sketch) return;
    const center = sketch.getLatLng();
    const radius = Math.round(sketch.getRadius());
    stopDrawing();
    onDrawn({ kind: 'circle', center: { lat: round(center.lat), lon: round(center.lng) }, radiusMeters: radius });
  });
  map.on('click', (event) => {
    if (mode !== 'polygon') return;
    corners.push(event.latlng);
    if (!sketch) sketch = L.polygon(corners, { className: 'zone-sketch' }).addTo(map);
    else sketch.setLatLngs(corners);
  });

  return {
    map,
    /** Starts drawing a circle or an area; `done(zone)` gets its geometry. */
    draw(kind, done) {
      stopDrawing();
      mode = kind;
      onDrawn = done;
      container.classList.add('drawing');
      if (kind === 'circle') map.dragging.disable();
    },
    /** Ends an area being drawn: three corners or more make a zone. */
    finishArea() {
      if (mode !== 'polygon') return false;
      const points = corners.map((corner) => ({ lat: round(corner.lat), lon: round(corner.lng) }));
      stopDrawing();
      if (points.length < 3) return false;
      onDrawn({ kind: 'polygon', points });
      return true;
    },
    cancel: stopDrawing,
    get drawing() {
      return mode;
    },
    /** Draws the zones (those with valid geometry) and fits the view to them. */
    show(zones, { fit = true } = {}) {
      drawn.clearLayers();
      const bounds = [];
      for (const zone of zones) {
        const layer = layerOf(L, zone);
        if (!layer) continue;
        layer.bindTooltip(zone.name || '—').addTo(drawn);
        bounds.push(layer.getBounds());
      }
      if (fit && bounds.length)
        map.fitBounds(
          bounds.reduce((all, next) => all.extend(next)),
          { maxZoom: 17 },
        );
    },
    refresh: () => map.invalidateSize(),
  };
}

function layerOf(L, zone) {
  if (zone.kind === 'circle') {
    const { lat, lon } = zone.center ?? {};
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || !(zone.radiusMeters > 0)) return null;
    return L.circle([lat, lon], { radius: zone.radiusMeters, className: 'zone' });
  }
  const points = (zone.points ?? []).filter((point) => Number.isFinite(point.lat) && Number.isFinite(point.lon));
  if (points.length < 3) return null;
  return L.polygon(
    points.map((point) => [point.lat, point.lon]),
    { className: 'zone' },
  );
}

/** Six decimals: about 10 cm, more than a GPS tracker knows. */
function round(value) {
  return Math.round(value * 1e6) / 1e6;
}
