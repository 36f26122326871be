using Mmsim.Mm;
using Mmsim.Slab;

namespace Mmsim.Fault;

/// <summary>
/// The slab caches of a machine with paging: the mm_struct, vm_area_struct and task_struct
/// objects of the model's address spaces and tasks come from them, so /proc/slabinfo and the
/// slab lines of /proc/meminfo follow what runs; so do the anon_vma and anon_vma_chain objects of
/// the VMAs (<see cref="AnonVmaObjects"/>).
/// </summary>
public sealed partial class PagingMachine
{
    private SlabCaches? _slabs;
    private AnonVmaObjects? _anonObjects;

    /// <summary>The kernel's slab caches on this machine's RAM (created on first use: they hold no page until an object is allocated).</summary>
    public SlabCaches Slabs => _slabs ??= SlabCaches.CreateStandard(Phys);

    /// <summary>
    /// mm_alloc() / vm_area_alloc() for an mm that joins the machine: its mm_struct object and
    /// one vm_area_struct object per VMA it already has (an exec builds the new mm's VMAs before
    /// the mm is attached); later VMAs are allocated and freed as they enter and leave the tree.
    /// </summary>
    private long SlabPages
    {
        get
        {
            if (_slabs is null)
            {
                return 0;
            }
            (long reclaimable, long unreclaimable) = _slabs.Pages();
            return reclaimable + unreclaimable;
        }
    }

    private void AllocMmObjects(MmStruct mm)
    {
        SlabCaches slabs = Slabs;
        if (slabs.MmStruct is { } mmCache && mm.SlabObject is null)
        {
            long addr = mmCache.Alloc();
            if (addr >= 0)
            {
                mm.SlabObject = (mmCache, addr);
            }
        }
        if (slabs.VmAreaStruct is { } vmaCache && mm.Vmas.Objects is null)
        {
            var objects = new SlabObjects(vmaCache);
            for (int i = 0; i < mm.Vmas.Count; i++)
            {
                objects.Alloc();
            }
            mm.Vmas.Objects = objects;
        }
        if (slabs.AnonVma is { } anonCache && slabs.AnonVmaChain is { } chainCache && mm.Vmas.AnonObjects is null)
        {
            _anonObjects ??= new AnonVmaObjects(anonCache, chainCache);
            mm.Vmas.AnonObjects = _anonObjects;
            foreach (Vma v in mm.Vmas)
            {
                if (v.AnonVma is { } av)
                {
                    _anonObjects.Link(av);
                }
            }
        }
    }
}
