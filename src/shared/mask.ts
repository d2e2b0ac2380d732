// Masking identifiers for display: enough to recognise one's own number
// ("+44770090••23"), not enough to learn someone else's.
export function maskIdentifier(v: string): string {
  if (v.length <= 4) return '•'.repeat(v.length);
  const keepEnd = 2;
  const keepStart = Math.min(v.startsWith('+') ? 4 : 3, v.length - keepEnd - 2);
  return v.slice(0, keepStart) + '•'.repeat(v.length - keepStart - keepEnd) + v.slice(-keepEnd);
}
