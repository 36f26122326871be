namespace Mmsim.Difftest;

/// <summary>
/// Generates random but valid-looking memory-syscall programs from a seed (the same seed gives
/// the same program everywhere: the generator has its own SplitMix64 stream). The programs lean
/// toward the places where the kernel is subtle: ranges that start or end exactly on a VMA
/// boundary or one page off it, neighbours with the same flags (merges with one or both sides),
/// file mappings at contiguous offsets, 2 MiB boundaries (THP), growth into a neighbour, errors
/// (unaligned, zero or huge lengths, invalid flags), forks and threads that reshape what they
/// inherit.
/// <para>
/// Every program starts with <c>brk(0)</c> (call 0) and a 1 GiB PROT_NONE reservation (call 1,
/// the arena, 2 MiB aligned by the kernel as every anonymous mapping of a PMD-multiple length
/// is): most MAP_FIXED calls land in the arena at known offsets, so neighbours can be arranged.
/// Ranges that make pages resident (populate, mlock, MAP_POPULATE/LOCKED) stay at most 4 MiB.
/// </para>
/// </summary>
public sealed class ProgramGenerator
{
    private const long Page = 4096;
    private const long Huge = 2L << 20;
    private const long ArenaSize = 1L << 30;
    private const int BrkSlot = 0;
    private const int ArenaSlot = 1;
    private const long MaxResident = 4L << 20;

    // mmap flags and protections (uapi values).
    private const long MapShared = 0x01;
    private const long MapPrivate = 0x02;
    private const long MapSharedValidate = 0x03;
    private const long MapFixed = 0x10;
    private const long MapAnonymous = 0x20;
    private const long Map32Bit = 0x40;
    private const long MapGrowsDown = 0x100;
    private const long MapLocked = 0x2000;
    private const long MapNoReserve = 0x4000;
    private const long MapPopulate = 0x8000;
    private const long MapStack = 0x20000;
    private const long MapFixedNoReplace = 0x100000;
    private const long ProtGrowsDown = 0x01000000;

    /// <summary>Sizes of the runner's files f0..f3 (file 4 is f1 opened read-only), as difftest_runner.c makes them.</summary>
    public static readonly long[] FileSizes = [3 * Page + 100, 16 * Page, Huge + 2 * Page, 0, 16 * Page];

    private ulong _state;
    private readonly List<DiffCall> _calls = new();
    private List<Region> _regions = new();
    private int _nextId;

    /// <summary>A range the program believes it mapped: $Slot + Offset, Length bytes, with how it was mapped.</summary>
    private readonly record struct Region(int Slot, long Offset, long Length, long Prot, long Flags, int File, long FileOffset);

    private ProgramGenerator(ulong seed)
    {
        _state = seed;
    }

    /// <summary>The program for <paramref name="seed"/> with at least <paramref name="calls"/> calls (counting those of forked children and threads).</summary>
    public static DiffProgram Generate(ulong seed, int calls)
    {
        var g = new ProgramGenerator(seed);
        g.EmitNums(-1, "brk", 0);
        g.EmitNums(-1, "mmap", 0, ArenaSize, 0, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        while (g._calls.Count < Math.Min(calls, DiffProgram.MaxCalls - 64))
        {
            g.Step(-1, topLevel: true);
        }
        return new DiffProgram(g._calls, $"mmsim difftest program: seed 0x{seed:x16}, {calls} calls");
    }

    /// <summary>The seed of program <paramref name="index"/> of a run with <paramref name="seed"/>.</summary>
    public static ulong SeedOf(ulong seed, int index)
    {
        ulong s = seed ^ (0x9E3779B97F4A7C15UL * (ulong)(index + 1));
        return Mix(ref s);
    }

    private static ulong Mix(ref ulong s)
    {
        ulong z = s += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private int Next(int n) => (int)(Mix(ref _state) % (ulong)n);

    private bool Chance(int percent) => Next(100) < percent;

    private T Pick<T>(params T[] items) => items[Next(items.Length)];

    private int Emit(int owner, string op, params DiffArg[] args)
    {
        int id = _nextId++;
        _calls.Add(new DiffCall(id, owner, op, args));
        return id;
    }

    private int EmitNums(int owner, string op, params long[] args)
    {
        var a = new DiffArg[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            a[i] = DiffArg.Num(args[i]);
        }
        return Emit(owner, op, a);
    }

    private void Remember(Region r)
    {
        _regions.Add(r);
        if (_regions.Count > 48)
        {
            _regions.RemoveAt(Next(_regions.Count / 2));
        }
    }

    private void Step(int owner, bool topLevel)
    {
        int w = Next(100);
        switch (w)
        {
            case < 20: MmapFixed(owner); break;
            case < 27: MmapAnywhere(owner); break;
            case < 34: MmapFile(owner); break;
            case < 41: Emit(owner, "munmap", Range(out _)); break;
            case < 50: Mprotect(owner); break;
            case < 57: Mremap(owner); break;
            case < 69: Madvise(owner); break;
            case < 79: Mincore(owner); break;
            case < 85: Mlock(owner); break;
            case < 88: Brk(owner); break;
            case < 89: Mseal(owner); break;
            case < 90: Mlockall(owner); break;
            case < 93: ThreeWayMerge(owner); break;
            case < 96 when topLevel: Fork(); break;
            case < 98 when topLevel: Thread(); break;
            default: Mincore(owner); break;
        }
    }

    /// <summary>An arena offset: near a 2 MiB boundary, near a known region's edge, or anywhere in the first 64 MiB.</summary>
    private long ArenaOffset()
    {
        int k = Next(10);
        long off;
        if (k < 4)
        {
            off = (1 + Next(24)) * Huge + Pick(0L, 0L, Page, -Page, 2 * Page, -2 * Page, -3 * Page);
        }
        else if (k < 8 && ArenaRegion(out Region r))
        {
            off = r.Offset + Pick(r.Length, r.Length, 0L, -Page, Page, r.Length + Page, r.Length / 2 & ~(Page - 1), -Length(false));
        }
        else
        {
            off = Next(16384) * Page;
        }
        return Math.Clamp(off, 0, ArenaSize - Huge);
    }

    private bool ArenaRegion(out Region r)
    {
        r = default;
        for (int tries = 0; tries < 4 && _regions.Count > 0; tries++)
        {
            r = _regions[Next(_regions.Count)];
            if (r.Slot == ArenaSlot)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A length: mostly a few pages, sometimes 2 MiB give or take a page, rarely an error case.</summary>
    private long Length(bool errors)
    {
        int k = Next(100);
        return k switch
        {
            < 45 => (1 + Next(4)) * Page,
            < 65 => (1 + Next(32)) * Page,
            < 75 => Huge + Pick(0L, Page, -Page, Huge),
            < 83 => Pick(16, 64, 128) * Page,
            < 90 when errors => Pick(0L, 1L, Page + 1, 0x800L, 1L << 47, -Page),
            _ => (1 + Next(8)) * Page,
        };
    }

    /// <summary>A range over what the program mapped: an edge of a known region or a span of two, or in the arena.</summary>
    private DiffArg[] Range(out long length, bool errors = true)
    {
        if (_regions.Count == 0 || Chance(15))
        {
            length = Length(errors);
            return [DiffArg.Ref(ArenaSlot, ArenaOffset()), DiffArg.Num(length)];
        }
        Region r = _regions[Next(_regions.Count)];
        int k = Next(100);
        long start;
        if (k < 30)
        {
            start = 0;
            length = Pick(r.Length, r.Length, Page, r.Length + Page, r.Length - Page);
        }
        else if (k < 50)
        {
            start = Pick(Page, r.Length - Page, r.Length / 2 & ~(Page - 1), -Page);
            length = Pick(Page, 2 * Page, r.Length - start, r.Length);
        }
        else if (k < 70 && r.Slot == ArenaSlot && ArenaRegion(out Region other) && other.Offset != r.Offset)
        {
            // From one region's start to another's end (and the VMAs between).
            long a = Math.Min(r.Offset, other.Offset);
            long b = Math.Max(r.Offset + r.Length, other.Offset + other.Length);
            start = a - r.Offset + Pick(0L, 0L, Page);
            length = b - a - Pick(0L, 0L, Page);
        }
        else if (k < 92)
        {
            start = Next((int)Math.Max(1, r.Length / Page)) * Page;
            length = Length(errors);
        }
        else
        {
            start = Pick(0L, 1L, 0x800L);
            length = Length(errors);
        }
        if (length <= 0 && errors && Chance(50))
        {
            length = Page;
        }
        else if (length <= 0)
        {
            length = Page;
        }
        if (errors && Chance(3))
        {
            start += 1;
        }
        return [DiffArg.Ref(r.Slot, r.Offset + start), DiffArg.Num(length)];
    }

    private long Prot() => Pick(3L, 3L, 3L, 1L, 0L, 7L, 5L, 2L);

    private long ExtraFlags(long length)
    {
        long f = 0;
        if (Chance(15))
        {
            f |= MapNoReserve;
        }
        if (Chance(6) && length <= MaxResident)
        {
            f |= MapPopulate;
        }
        if (Chance(4) && length <= MaxResident)
        {
            f |= MapLocked;
        }
        if (Chance(2))
        {
            f |= MapStack;
        }
        return f;
    }

    private void MmapFixed(int owner)
    {
        long off = ArenaOffset();
        long len = Length(false);
        long prot = Prot();
        long flags = MapPrivate | MapAnonymous;
        if (ArenaRegion(out Region n) && Chance(60))
        {
            // Next to a region, with its flags: the merge cases.
            off = Chance(50) ? n.Offset + n.Length : n.Offset - len;
            if (off < 0)
            {
                off = n.Offset + n.Length;
            }
            prot = n.Prot;
            flags = n.File < 0 ? n.Flags & ~(MapPopulate | MapLocked) : MapPrivate | MapAnonymous;
        }
        else
        {
            flags |= ExtraFlags(len);
            if (Chance(12))
            {
                flags = (flags & ~MapPrivate) | MapShared;
            }
            if (Chance(4))
            {
                flags |= MapGrowsDown;
            }
        }
        bool noReplace = Chance(12);
        flags = (flags & ~MapFixed) | (noReplace ? MapFixedNoReplace : MapFixed);
        int id = Emit(owner, "mmap", DiffArg.Ref(ArenaSlot, off), DiffArg.Num(len), DiffArg.Num(prot), DiffArg.Num(flags), DiffArg.Num(-1), DiffArg.Num(0));
        _ = id;
        Remember(new Region(ArenaSlot, off, len, prot, flags & ~(MapFixed | MapFixedNoReplace), -1, 0));
    }

    private void MmapAnywhere(int owner)
    {
        long len = Length(Chance(10));
        long flags = MapPrivate | MapAnonymous | ExtraFlags(len);
        if (Chance(10))
        {
            flags = (flags & ~MapPrivate) | MapShared;
        }
        if (Chance(5))
        {
            flags |= MapGrowsDown;
        }
        if (Chance(2))
        {
            flags |= Map32Bit;
        }
        DiffArg hint = DiffArg.Num(0);
        if (Chance(35))
        {
            // A hint: free, inside a mapping, unaligned, or low.
            hint = Chance(80) ? DiffArg.Ref(ArenaSlot, ArenaOffset() + (Chance(10) ? 0x123 : 0)) : DiffArg.Num(Pick(0x1000L, 0x10000L, 0x200000000L));
        }
        long prot = Prot();
        int id = Emit(owner, "mmap", hint, DiffArg.Num(len), DiffArg.Num(prot), DiffArg.Num(flags), DiffArg.Num(-1), DiffArg.Num(0));
        if (len > 0 && len < (1L << 40))
        {
            Remember(new Region(id, 0, (len + Page - 1) & ~(Page - 1), prot, flags, -1, 0));
        }
    }

    private void MmapFile(int owner)
    {
        int file = Next(5);
        long size = FileSizes[file];
        long pages = Math.Max(1, (size + Page - 1) / Page);
        long foff = Pick(0L, 0L, Page, 2 * Page, pages * Page, 512 * Page) % (Chance(10) ? long.MaxValue : Math.Max(Page, pages * Page));
        long len = Pick(Page, pages * Page, (pages + 1) * Page, 2 * Page, Page * (1 + Next(4)));
        long flags = Chance(50) ? MapShared : MapPrivate;
        if (Chance(3))
        {
            flags = MapSharedValidate | Pick(0x80000L, 0L); // MAP_SYNC is refused on a regular file
        }
        long prot = Pick(1L, 3L, 3L, 5L, 0L);
        flags |= ExtraFlags(len) & ~MapStack;
        if (Chance(3))
        {
            foff += Pick(1L, 0x800L); // unaligned offset
        }
        DiffArg addr = DiffArg.Num(0);
        if (Chance(60))
        {
            long off = ArenaOffset();
            if (Chance(50) && ArenaRegion(out Region n) && n.File >= 0)
            {
                // Right after a file region, at the file offset that continues it: a merge.
                off = n.Offset + n.Length;
                file = n.File;
                foff = n.FileOffset + n.Length;
                flags = n.Flags;
                prot = n.Prot;
            }
            addr = DiffArg.Ref(ArenaSlot, off);
            flags |= Chance(90) ? MapFixed : MapFixedNoReplace;
            Remember(new Region(ArenaSlot, off, len, prot, flags & ~(MapFixed | MapFixedNoReplace), file, foff));
            Emit(owner, "mmap", addr, DiffArg.Num(len), DiffArg.Num(prot), DiffArg.Num(flags), DiffArg.Num(file), DiffArg.Num(foff));
            return;
        }
        int id = Emit(owner, "mmap", addr, DiffArg.Num(len), DiffArg.Num(prot), DiffArg.Num(flags), DiffArg.Num(file), DiffArg.Num(foff));
        Remember(new Region(id, 0, len, prot, flags, file, foff));
    }

    private void Mprotect(int owner)
    {
        DiffArg[] r = Range(out _);
        long prot = Prot();
        if (Chance(4))
        {
            prot |= Pick(ProtGrowsDown, 0x02000000L, 0x10L);
        }
        Emit(owner, "mprotect", r[0], r[1], DiffArg.Num(prot));
    }

    private void Mremap(int owner)
    {
        Region r = _regions.Count > 0 ? _regions[Next(_regions.Count)] : new Region(ArenaSlot, ArenaOffset(), Page, 0, 0, -1, 0);
        long start = Pick(0L, 0L, 0L, Page, r.Length - Page);
        if (start < 0)
        {
            start = 0;
        }
        long oldLen = Pick(r.Length - start, r.Length - start, Page, 0L, 2 * Page);
        if (oldLen <= 0 && Chance(50))
        {
            oldLen = Page;
        }
        long newLen = Pick(oldLen + Page, oldLen * 2, oldLen + Huge, Page, Math.Max(Page, oldLen - Page), oldLen + 3 * Page);
        newLen = Math.Min(newLen, 2 * MaxResident);
        long flags = Pick(0L, 1L, 1L, 3L, 5L, 7L, 1L);
        if (Chance(2))
        {
            flags = Pick(2L, 4L, 8L, 0x10L);
        }
        DiffArg newAddr = DiffArg.Num(0);
        long target = 0;
        if ((flags & 2) != 0)
        {
            target = ArenaOffset();
            newAddr = DiffArg.Ref(ArenaSlot, target);
        }
        if ((flags & 4) != 0)
        {
            newLen = oldLen; // MREMAP_DONTUNMAP keeps the length
        }
        int id = Emit(owner, "mremap", DiffArg.Ref(r.Slot, r.Offset + start), DiffArg.Num(oldLen), DiffArg.Num(newLen), DiffArg.Num(flags), newAddr);
        if (newLen > 0)
        {
            Remember((flags & 2) != 0
                ? new Region(ArenaSlot, target, newLen, r.Prot, r.Flags, r.File, r.FileOffset + start)
                : new Region(id, 0, newLen, r.Prot, r.Flags, r.File, r.FileOffset + start));
        }
    }

    private void Madvise(int owner)
    {
        long advice = Pick(
            4L, 4L, 8L, 8L, // DONTNEED, FREE
            22L, 23L, 23L, 23L, // POPULATE_READ, POPULATE_WRITE
            14L, 15L, 14L, // HUGEPAGE, NOHUGEPAGE
            10L, 11L, 18L, 19L, // DONTFORK, DOFORK, WIPEONFORK, KEEPONFORK
            16L, 17L, 0L, 1L, 2L, 3L, 20L, // DONTDUMP, DODUMP, NORMAL, RANDOM, SEQUENTIAL, WILLNEED, COLD
            9L, 102L, 103L, 12L, 999L); // REMOVE, GUARD_INSTALL, GUARD_REMOVE, MERGEABLE, invalid
        bool resident = advice is 22 or 23;
        DiffArg[] r = Range(out long len, errors: !resident);
        if (resident && len > MaxResident)
        {
            r[1] = DiffArg.Num(MaxResident);
        }
        Emit(owner, "madvise", r[0], r[1], DiffArg.Num(advice));
        if (Chance(40))
        {
            Emit(owner, "mincore", r[0], DiffArg.Num(Math.Min(Math.Max(len, Page), MaxResident)));
        }
    }

    private void Mincore(int owner)
    {
        DiffArg[] r = Range(out long len, errors: Chance(10));
        if (len > MaxResident || len < 0)
        {
            r[1] = DiffArg.Num(MaxResident);
        }
        Emit(owner, "mincore", r);
    }

    private void Mlock(int owner)
    {
        int k = Next(10);
        DiffArg[] r = Range(out long len, errors: Chance(20));
        if (len > MaxResident && k < 6)
        {
            r[1] = DiffArg.Num(MaxResident);
        }
        if (k < 4)
        {
            Emit(owner, "mlock", r);
        }
        else if (k < 6)
        {
            Emit(owner, "mlock2", r[0], r[1], DiffArg.Num(Pick(0L, 1L, 1L, 2L)));
        }
        else
        {
            Emit(owner, "munlock", r);
        }
    }

    private void Mlockall(int owner)
    {
        if (Chance(50))
        {
            EmitNums(owner, "mlockall", Pick(5L, 6L, 7L, 4L, 0L));
        }
        else
        {
            EmitNums(owner, "munlockall");
        }
    }

    private void Brk(int owner)
    {
        long off = Pick(0L, Page, 3 * Page, 0x1234L, 33 * Page, Huge, Huge + 5 * Page, 16 * Page, 1L << 30, -Page, 2 * Page);
        Emit(owner, "brk", DiffArg.Ref(BrkSlot, off));
        if (Chance(30))
        {
            Emit(owner, "mincore", DiffArg.Ref(BrkSlot, 0), DiffArg.Num(Math.Clamp(off, Page, 64 * Page) & ~(Page - 1)));
        }
    }

    private void Mseal(int owner)
    {
        DiffArg[] r = Range(out _);
        Emit(owner, "mseal", r[0], r[1], DiffArg.Num(Chance(90) ? 0 : 1));
    }

    /// <summary>Two mappings with a hole of one's size between them, then the hole filled with the same flags: one VMA from three.</summary>
    private void ThreeWayMerge(int owner)
    {
        long off = ArenaOffset();
        long len = (1 + Next(4)) * Page;
        long prot = Prot();
        long flags = MapPrivate | MapAnonymous | MapFixed | (Chance(20) ? MapNoReserve : 0);
        Emit(owner, "mmap", DiffArg.Ref(ArenaSlot, off), DiffArg.Num(len), DiffArg.Num(prot), DiffArg.Num(flags), DiffArg.Num(-1), DiffArg.Num(0));
        Emit(owner, "mmap", DiffArg.Ref(ArenaSlot, off + 2 * len), DiffArg.Num(len), DiffArg.Num(prot), DiffArg.Num(flags), DiffArg.Num(-1), DiffArg.Num(0));
        if (Chance(40))
        {
            Emit(owner, "madvise", DiffArg.Ref(ArenaSlot, off + 2 * len), DiffArg.Num(Page), DiffArg.Num(23));
        }
        if (Chance(30))
        {
            // The middle first mapped otherwise, then changed to match.
            Emit(owner, "mmap", DiffArg.Ref(ArenaSlot, off + len), DiffArg.Num(len), DiffArg.Num(prot ^ 1), DiffArg.Num(flags), DiffArg.Num(-1), DiffArg.Num(0));
            Emit(owner, "mprotect", DiffArg.Ref(ArenaSlot, off + len), DiffArg.Num(len), DiffArg.Num(prot));
        }
        else
        {
            Emit(owner, "mmap", DiffArg.Ref(ArenaSlot, off + len), DiffArg.Num(len), DiffArg.Num(prot), DiffArg.Num(flags), DiffArg.Num(-1), DiffArg.Num(0));
        }
        Remember(new Region(ArenaSlot, off, 3 * len, prot, flags & ~MapFixed, -1, 0));
    }

    private void Fork()
    {
        int id = EmitNums(-1, "fork");
        List<Region> saved = new(_regions);
        int n = 3 + Next(12);
        int stop = _calls.Count + n;
        while (_calls.Count < stop)
        {
            Step(id, topLevel: false);
        }
        _regions = saved;
    }

    private void Thread()
    {
        int id = EmitNums(-1, "thread");
        int n = 1 + Next(6);
        int stop = _calls.Count + n;
        while (_calls.Count < stop)
        {
            Step(id, topLevel: false);
        }
    }
}
