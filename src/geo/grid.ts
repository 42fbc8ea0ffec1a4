/** The map cut into a G×G grid of equal region cells, numbered row-major from the origin corner. */
export interface Area {
  width: number;
  height: number;
  grid: number;
}

export interface Position {
  x: number;
  y: number;
}

export function cellOf(area: Area, p: Position): number {
  const col = Math.min(area.grid - 1, Math.max(0, Math.floor((p.x / area.width) * area.grid)));
  const row = Math.min(area.grid - 1, Math.max(0, Math.floor((p.y / area.height) * area.grid)));
  return row * area.grid + col;
}

export function cellCount(area: Area): number {
  return area.grid * area.grid;
}

/** A uniformly random position from two numbers in [0, 1): the caller owns the randomness. */
export function positionFrom(area: Area, u: number, v: number): Position {
  return { x: Math.round(u * area.width), y: Math.round(v * area.height) };
}

/**
 * Hops between two cells: the Chebyshev distance between their grid coordinates (row, column), so the 8
 * neighbours of a cell are 1 hop away, as a relay through base stations of adjacent cells (diagonals too).
 * Throws on a cell number that is not on the grid.
 */
export function cellHops(area: Area, cellA: number, cellB: number): number {
  const n = cellCount(area);
  for (const c of [cellA, cellB]) {
    if (!Number.isInteger(c) || c < 0 || c >= n) throw new RangeError(`cell ${c} is not on a ${area.grid}×${area.grid} grid`);
  }
  const rowA = Math.floor(cellA / area.grid);
  const rowB = Math.floor(cellB / area.grid);
  return Math.max(Math.abs(rowA - rowB), Math.abs((cellA % area.grid) - (cellB % area.grid)));
}
