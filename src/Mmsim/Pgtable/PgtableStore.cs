using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mmsim.Phys;

namespace Mmsim.Pgtable;

/// <summary>
/// The contents of page-table frames. A frame that holds a table is an ordinary frame from the
/// buddy allocator flagged <see cref="PageFlags.PageTable"/>; its 4 KiB of entries live here, in
/// a pool of blocks of 512 ulongs (viewed as 1024 uints in 2-level mode), and the frame's Index
/// names its block. Only table frames cost host memory beyond the 32-byte struct page: one block
/// of 4096 bytes each. The pool is one flat array (an entry read is one index from the block
/// number, no chunk to look up first) that doubles when full; freed blocks are reused. Spans of
/// a table's entries are valid until the next <see cref="AllocTable"/>.
/// </summary>
public sealed class PgtableStore
{
    internal const int EntriesPerBlock = 512;
    private const int InitialBlocks = 64;

    private readonly PhysMem _phys;
    private ulong[] _pool = new ulong[InitialBlocks * EntriesPerBlock];
    private readonly Stack<int> _freeBlocks = new();
    private int _nextBlock;

    /// <summary>Creates an empty store over a machine's frames.</summary>
    public PgtableStore(PhysMem phys)
    {
        _phys = phys;
    }

    /// <summary>The pool itself, for the walker's loop (valid until the next <see cref="AllocTable"/>).</summary>
    internal ulong[] Pool => _pool;

    /// <summary>The machine whose frames hold the tables.</summary>
    internal PhysMem Phys => _phys;

    /// <summary>
    /// Entry idx of a 64-bit table frame, read through the frame array and the pool a loop has
    /// fetched once: the walk's entry read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Read64(PageFrame[] frames, ulong[] pool, int pfn, int idx)
    {
        ref PageFrame f = ref frames[pfn];
        if ((f.Flags & PageFlags.PageTable) == 0)
        {
            NotATable(pfn);
        }
        return pool[((int)f.Index * EntriesPerBlock) + (idx & (EntriesPerBlock - 1))];
    }

    /// <summary>Table frames currently allocated (all mms).</summary>
    public int TablesInUse { get; private set; }

    /// <summary>Host bytes the pool holds (allocated chunks).</summary>
    public long HostBytes => (long)_pool.Length * sizeof(ulong);

    /// <summary>
    /// pte_alloc_one() / pmd_alloc_one() / ...: a zeroed frame for a table, or -1 when the buddy
    /// allocator has nothing (the fault then fails with VM_FAULT_OOM).
    /// </summary>
    public int AllocTable()
    {
        int pfn = _phys.Alloc(0, Gfp.Zero);
        if (pfn < 0)
        {
            return -1;
        }
        int block;
        if (_freeBlocks.Count > 0)
        {
            block = _freeBlocks.Pop();
        }
        else
        {
            block = _nextBlock++;
            if ((long)(block + 1) * EntriesPerBlock > _pool.Length)
            {
                Array.Resize(ref _pool, checked(_pool.Length * 2));
            }
        }
        Block(block).Clear();
        ref PageFrame f = ref _phys.Frame(pfn);
        f.Flags |= PageFlags.PageTable;
        f.Index = block;
        TablesInUse++;
        return pfn;
    }

    /// <summary>pte_free() / pmd_free() / ...: returns a table frame and its block.</summary>
    public void FreeTable(int pfn)
    {
        ref PageFrame f = ref _phys.Frame(pfn);
        if ((f.Flags & PageFlags.PageTable) == 0)
        {
            throw new ModelBugException($"pgtable: pfn {pfn} is not a page table");
        }
        _freeBlocks.Push((int)f.Index);
        f.Flags &= ~PageFlags.PageTable;
        f.Index = 0;
        _phys.PutPage(pfn);
        TablesInUse--;
    }

    /// <summary>The 512 64-bit entries of a table frame.</summary>
    public Span<ulong> Entries64(int pfn) => Block(BlockOf(pfn));

    /// <summary>The 1024 32-bit entries of a table frame (2-level mode).</summary>
    public Span<uint> Entries32(int pfn) => MemoryMarshal.Cast<ulong, uint>(Block(BlockOf(pfn)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int BlockOf(int pfn)
    {
        ref PageFrame f = ref _phys.Frame(pfn);
        if ((f.Flags & PageFlags.PageTable) == 0)
        {
            NotATable(pfn);
        }
        return (int)f.Index;
    }

    // Out of line, so that the hot accessors stay small enough to inline.
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void NotATable(int pfn) => throw new ModelBugException($"pgtable: pfn {pfn} is not a page table");

    /// <summary>Entry idx (0..511) of a 64-bit table frame, by reference: the walk's one-entry access.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ulong Entry64(int pfn, int idx)
    {
        return ref _pool[(BlockOf(pfn) * EntriesPerBlock) + (idx & (EntriesPerBlock - 1))];
    }

    private Span<ulong> Block(int block)
    {
        return _pool.AsSpan(block * EntriesPerBlock, EntriesPerBlock);
    }
}
