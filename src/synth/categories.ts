/** The object classes of synthetic clips. Classes differ by shape only; colours are random. */
export const SYNTH_CATEGORIES: { id: number; name: string }[] = [
  { id: 1, name: 'disc' }, // circle or ellipse
  { id: 2, name: 'box' }, // rotated rectangle or square
  { id: 3, name: 'triangle' },
  { id: 4, name: 'star' }, // five-pointed
];

export const CLASS_DISC = 1;
export const CLASS_BOX = 2;
export const CLASS_TRIANGLE = 3;
export const CLASS_STAR = 4;

export function synthCategoryName(id: number): string {
  return SYNTH_CATEGORIES.find((c) => c.id === id)?.name ?? `class${id}`;
}
