import type { SafeZone } from '@welfare/contracts';
import { distanceMeters, polygonContains, zonesContaining } from './safe-zones';

// Around Bragernes torg, Drammen.
const home = { lat: 59.7439, lon: 10.2045 };
const circle: SafeZone = { kind: 'circle', name: 'home', center: home, radiusMeters: 200 };
const park: SafeZone = {
  kind: 'polygon',
  name: 'park',
  points: [
    { lat: 59.75, lon: 10.21 },
    { lat: 59.75, lon: 10.22 },
    { lat: 59.755, lon: 10.22 },
    { lat: 59.755, lon: 10.21 },
  ],
};

describe('safe zones', () => {
  it('measures distance on the sphere: 0.001 degree of latitude is about 111 m', () => {
    expect(distanceMeters(home, { lat: home.lat + 0.001, lon: home.lon })).toBeCloseTo(111.2, 0);
    // At 59.7 degrees north a degree of longitude is about half as long.
    expect(distanceMeters(home, { lat: home.lat, lon: home.lon + 0.002 })).toBeCloseTo(112.2, 0);
  });

  it('a circle holds what is within its radius', () => {
    expect(zonesContaining([circle], { lat: home.lat + 0.0017, lon: home.lon })).toEqual([circle]); // ~189 m
    expect(zonesContaining([circle], { lat: home.lat + 0.0019, lon: home.lon })).toEqual([]); // ~211 m
  });

  it('a polygon holds its inside, not its outside, also next to a concave corner', () => {
    expect(polygonContains(park.kind === 'polygon' ? park.points : [], { lat: 59.752, lon: 10.215 })).toBe(true);
    expect(polygonContains(park.kind === 'polygon' ? park.points : [], { lat: 59.756, lon: 10.215 })).toBe(false);
    const ell = [
      { lat: 0, lon: 0 },
      { lat: 0, lon: 2 },
      { lat: 1, lon: 2 },
      { lat: 1, lon: 1 },
      { lat: 2, lon: 1 },
      { lat: 2, lon: 0 },
    ];
    expect(polygonContains(ell, { lat: 0.5, lon: 1.5 })).toBe(true);
    expect(polygonContains(ell, { lat: 1.5, lon: 1.5 })).toBe(false); // the cut-out corner
    expect(polygonContains(ell, { lat: 1.5, lon: 0.5 })).toBe(true);
  });

  it('inside any zone is inside; outside all is outside', () => {
    expect(zonesContaining([circle, park], { lat: 59.752, lon: 10.215 })).toEqual([park]);
    expect(zonesContaining([circle, park], { lat: 59.8, lon: 10.3 })).toEqual([]);
  });
});
