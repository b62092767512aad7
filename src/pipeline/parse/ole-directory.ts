import { PipelineError } from "../errors.js";

const FREE_OR_END = 0xfffffffa; // sector ids from here up mark the end of a chain or free sectors
// A directory of more than this many sectors (over 100,000 entries at 4 KiB) is not a real file.
const MAX_DIRECTORY_SECTORS = 4096;

/**
 * The names in an OLE2 compound file's directory (MS-CFB §2.6): the header gives the sector
 * size, the first directory sector and the first 109 FAT sectors; the directory's chain is
 * followed through the FAT. Enough to tell a Word, Excel, PowerPoint or Outlook file, or an
 * encrypted OOXML package, apart. A chain that leaves the file or loops is `corrupt_file`.
 */
export function readOleDirectoryNames(data: Uint8Array): Set<string> {
  if (data.length < 512) throw corrupt("OLE2 file is shorter than its header");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const sectorShift = view.getUint16(0x1e, true);
  if (sectorShift !== 9 && sectorShift !== 12) throw corrupt("OLE2 header has an invalid sector size");
  const sectorSize = 1 << sectorShift;
  const sectorOffset = (id: number) => (id + 1) * sectorSize;
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) {
    const id = view.getUint32(0x4c + i * 4, true);
    if (id >= FREE_OR_END) break;
    fatSectors.push(id);
  }
  const nextSector = (id: number): number => {
    const perSector = sectorSize / 4;
    const fatSector = fatSectors[Math.floor(id / perSector)];
    if (fatSector === undefined) return FREE_OR_END;
    const at = sectorOffset(fatSector) + (id % perSector) * 4;
    if (at + 4 > data.length) throw corrupt("OLE2 FAT is out of bounds");
    return view.getUint32(at, true);
  };
  const names = new Set<string>();
  let sector = view.getUint32(0x30, true);
  for (let count = 0; sector < FREE_OR_END; count++) {
    if (count >= MAX_DIRECTORY_SECTORS) throw corrupt("OLE2 directory chain is too long or loops");
    const start = sectorOffset(sector);
    if (start + sectorSize > data.length) throw corrupt("OLE2 directory is out of bounds (truncated file?)");
    for (let at = start; at < start + sectorSize; at += 128) {
      const length = Math.min(64, view.getUint16(at + 0x40, true));
      if (length < 2 || data[at + 0x42] === 0) continue;
      let name = "";
      for (let i = 0; i < length - 2; i += 2) name += String.fromCharCode(view.getUint16(at + i, true));
      names.add(name);
    }
    sector = nextSector(sector);
  }
  return names;
}

function corrupt(message: string): PipelineError {
  return new PipelineError("corrupt_file", message);
}
