import type { GeoPoint, SafeZone } from '@welfare/contracts';

const EARTH_RADIUS_METERS = 6_371_008.8;
const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance (haversine): exact enough for zones of metres to kilometres. */
export function distanceMeters(a: GeoPoint, b: GeoPoint): number {
  const dLat = radians(b.lat - a.lat);
  const dLon = radians(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Ray casting on latitude and longitude as plane coordinates: a zone is a neighbourhood, small
 * enough for the plane to be exact, and none crosses the antimeridian in Norway.
 */
export function polygonContains(points: GeoPoint[], point: GeoPoint): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const a = points[i];
    const b = points[j];
    const crosses =
      a.lat > point.lat !== b.lat > point.lat &&
      point.lon < ((b.lon - a.lon) * (point.lat - a.lat)) / (b.lat - a.lat) + a.lon;
    if (crosses) inside = !inside;
  }
  return inside;
}

export function zoneContains(zone: SafeZone, point: GeoPoint): boolean {
  return zone.kind === 'circle'
    ? distanceMeters(zone.center, point) <= zone.radiusMeters
    : polygonContains(zone.points, point);
}

/** The zones the point is in; empty means outside all of them. */
export function zonesContaining(zones: SafeZone[], point: GeoPoint): SafeZone[] {
  return zones.filter((zone) => zoneContains(zone, point));
}
