using Mmsim.Fs;
using Mmsim.Mm;

namespace Mmsim.Binfmt;

/// <summary>The segment-mapping half of load_elf_binary(): elf_map(), elf_load(), load_elf_interp(), map_vdso().</summary>
public static partial class BinfmtElf
{
    /// <summary>
    /// Maps the program's PT_LOAD segments. PIE programs with an interpreter load at
    /// ELF_ET_DYN_BASE, static PIE wherever mmap puts them, ET_EXEC at their addresses. Sets the
    /// code/data bounds of the mm and returns the end of the last segment's memory (elf_brk).
    /// </summary>
    private static int LoadSegments(MmStruct mm, ElfImage elf, OpenFile file, bool hasInterp, out ulong elfBrk)
    {
        elfBrk = 0;
        ulong loadBias = 0;
        bool first = true;
        ulong totalSize = TotalMappingSize(elf);
        ulong startCode = ulong.MaxValue;
        ulong startData = 0;
        ulong endCode = 0;
        ulong endData = 0;
        foreach (ElfPhdr ph in elf.Phdrs)
        {
            if (ph.Type != ElfPhdr.PtLoad)
            {
                continue;
            }
            int prot = MakeProt(ph.Flags);
            int flags = MapFlags.Private;
            if (!first)
            {
                flags |= MapFlags.Fixed;
            }
            else if (elf.Type == ElfImage.EtExec)
            {
                flags |= MapFlags.FixedNoReplace;
            }
            else if (hasInterp)
            {
                ulong alignment = MaximumAlignment(elf);
                loadBias = ElfEtDynBase(mm);
                if (alignment != 0)
                {
                    loadBias &= ~(alignment - 1);
                }
                flags |= MapFlags.FixedNoReplace;
                loadBias = Page.AlignDown(loadBias - ph.Vaddr);
            }
            long mapped = ElfLoad(mm, file, loadBias + ph.Vaddr, ph, prot, flags, first ? totalSize : 0);
            if (Errno.IsError(mapped))
            {
                return (int)mapped;
            }
            if (first && elf.Type == ElfImage.EtDyn)
            {
                loadBias += (ulong)mapped - Page.AlignDown(loadBias + ph.Vaddr);
            }
            first = false;
            ulong k = ph.Vaddr;
            if ((ph.Flags & ElfPhdr.PfX) != 0 && k < startCode)
            {
                startCode = k;
            }
            startData = Math.Max(startData, k);
            k = ph.Vaddr + ph.Filesz;
            if ((ph.Flags & ElfPhdr.PfX) != 0)
            {
                endCode = Math.Max(endCode, k);
            }
            endData = Math.Max(endData, k);
            elfBrk = Math.Max(elfBrk, ph.Vaddr + ph.Memsz);
        }
        mm.StartCode = startCode + loadBias;
        mm.EndCode = endCode + loadBias;
        mm.StartData = startData + loadBias;
        mm.EndData = endData + loadBias;
        elfBrk += loadBias;
        return 0;
    }

    /// <summary>
    /// elf_load(): maps the file part of a segment (the first one reserving the whole image and
    /// unmapping the excess), then the anonymous rest of its memory (bss) with vm_brk_flags().
    /// Returns the mapped address or -errno.
    /// </summary>
    private static long ElfLoad(MmStruct mm, OpenFile file, ulong addr, ElfPhdr ph, int prot, int flags, ulong totalSize)
    {
        ulong mapAddr;
        ulong zeroStart;
        ulong zeroEnd;
        ulong pageOff = ph.Vaddr & Page.OffsetMask;
        if (ph.Filesz != 0)
        {
            long m = ElfMap(mm, file, addr, ph, prot, flags, totalSize);
            if (Errno.IsError(m))
            {
                return m;
            }
            mapAddr = (ulong)m;
            zeroStart = mapAddr + pageOff + ph.Filesz;
            zeroEnd = mapAddr + pageOff + ph.Memsz;
        }
        else
        {
            mapAddr = zeroStart = Page.AlignDown(addr);
            zeroEnd = zeroStart + pageOff + ph.Memsz;
        }
        if (ph.Memsz > ph.Filesz)
        {
            zeroStart = Page.Align(zeroStart);
            zeroEnd = Page.Align(zeroEnd);
            int err = VmBrkFlags(mm, zeroStart, zeroEnd - zeroStart, (prot & Prot.Exec) != 0 ? VmFlags.Exec : VmFlags.None);
            if (err != 0)
            {
                return err;
            }
        }
        return (long)mapAddr;
    }

    /// <summary>elf_map(): mmap of the segment's file pages; with totalSize, the whole image is reserved first.</summary>
    private static long ElfMap(MmStruct mm, OpenFile file, ulong addr, ElfPhdr ph, int prot, int flags, ulong totalSize)
    {
        ulong pageOff = ph.Vaddr & Page.OffsetMask;
        ulong size = Page.Align(ph.Filesz + pageOff);
        ulong off = ph.Offset - pageOff;
        addr = Page.AlignDown(addr);
        if (size == 0)
        {
            return (long)addr;
        }
        if (totalSize != 0)
        {
            totalSize = Page.Align(totalSize);
            long m = mm.DoMmap(file, addr, totalSize, prot, flags, off >> Page.Shift);
            if (!Errno.IsError(m) && totalSize > size)
            {
                mm.DoMunmap((ulong)m + size, (ulong)m + totalSize);
            }
            return m;
        }
        return mm.DoMmap(file, addr, size, prot, flags, off >> Page.Shift);
    }

    /// <summary>vm_brk_flags(): unmaps whatever is at [addr, addr+len) and maps anonymous memory there.</summary>
    private static int VmBrkFlags(MmStruct mm, ulong addr, ulong len, VmFlags flags)
    {
        if (len == 0)
        {
            return 0;
        }
        if (addr + len > mm.TaskSize || addr + len < addr)
        {
            return -Errno.ENOMEM;
        }
        int err = mm.DoMunmap(addr, addr + len);
        if (err != 0)
        {
            return err;
        }
        Vma? after = mm.Vmas.Find(addr);
        Vma? prev = after is null ? mm.Vmas.Last : after.Prev;
        return mm.DoBrkFlags(prev, addr, len, flags);
    }

    /// <summary>load_elf_interp(): the dynamic loader, placed top-down as one image, then its segments fixed.</summary>
    private static int LoadInterp(MmStruct mm, ElfImage interp, OpenFile file)
    {
        ulong totalSize = TotalMappingSize(interp);
        if (totalSize == 0)
        {
            return -Errno.EINVAL;
        }
        ulong loadAddr = 0;
        bool loadAddrSet = false;
        foreach (ElfPhdr ph in interp.Phdrs)
        {
            if (ph.Type != ElfPhdr.PtLoad)
            {
                continue;
            }
            int flags = MapFlags.Private;
            if (interp.Type == ElfImage.EtExec || loadAddrSet)
            {
                flags |= MapFlags.Fixed;
            }
            long m = ElfLoad(mm, file, loadAddr + ph.Vaddr, ph, MakeProt(ph.Flags), flags, totalSize);
            totalSize = 0;
            if (Errno.IsError(m))
            {
                return (int)m;
            }
            if (!loadAddrSet && interp.Type == ElfImage.EtDyn)
            {
                loadAddr = (ulong)m - Page.AlignDown(ph.Vaddr);
                loadAddrSet = true;
            }
        }
        return 0;
    }

    /// <summary>map_vdso(): [vvar], [vvar_vclock] and [vdso], placed together top-down.</summary>
    private static int MapVdso(MmStruct mm)
    {
        ulong total = VvarSize + VvarVclockSize + VdsoSize;
        long area = mm.GetUnmappedArea(null, 0, total, 0, 0, VmFlags.None);
        if (Errno.IsError(area))
        {
            return (int)area;
        }
        ulong a = (ulong)area;
        const VmFlags vvar = VmFlags.Read | VmFlags.MayRead | VmFlags.Io | VmFlags.DontDump | VmFlags.PfnMap
            | VmFlags.DontExpand | VmFlags.SoftDirty;
        const VmFlags vdso = VmFlags.Read | VmFlags.Exec | VmFlags.MayRead | VmFlags.MayWrite | VmFlags.MayExec
            | VmFlags.DontExpand | VmFlags.SoftDirty;
        mm.InstallSpecialMapping(a, VvarSize, vvar, "[vvar]");
        mm.InstallSpecialMapping(a + VvarSize, VvarVclockSize, vvar, "[vvar_vclock]");
        mm.InstallSpecialMapping(a + VvarSize + VvarVclockSize, VdsoSize, vdso, "[vdso]");
        return 0;
    }
}
