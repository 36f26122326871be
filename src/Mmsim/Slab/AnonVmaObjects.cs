using Mmsim.Mm;

namespace Mmsim.Slab;

/// <summary>
/// The anon_vma and anon_vma_chain objects of a machine's VMAs. A VMA with an anon_vma holds
/// one anon_vma_chain per entry of its chain: its own anon_vma and, for a VMA forked from a
/// parent's (anon_vma_fork()), every anon_vma up its parents, so the chain length is the depth
/// of its anon_vma in that ancestry (a split or a merge copies the chain: anon_vma_clone()). An
/// anon_vma lives while some VMA's chain reaches it (anon_vma_alloc() at the first link,
/// put_anon_vma() at the last unlink, which also covers a parent kept alive by its children).
/// <code>
///   parent VMA  chain: [A]            A.Users = 2 (parent, child)   avc objects: 1
///   child VMA   chain: [A'] -> [A]    A'.Users = 1                  avc objects: 2
/// </code>
/// </summary>
internal sealed class AnonVmaObjects
{
    private readonly KmemCache _anonVma;
    private readonly SlabObjects _chains;

    public AnonVmaObjects(KmemCache anonVma, KmemCache anonVmaChain)
    {
        _anonVma = anonVma;
        _chains = new SlabObjects(anonVmaChain);
    }

    /// <summary>anon_vma_chain objects held by every VMA.</summary>
    public int Chains => _chains.Count;

    /// <summary>A VMA links to av (anon_vma_prepare(), anon_vma_clone(), anon_vma_fork()): one chain object per anon_vma up from av.</summary>
    public void Link(AnonVma av)
    {
        for (AnonVma? a = av; a is not null; a = a.Parent)
        {
            if (a.Users++ == 0)
            {
                a.SlabObject = _anonVma.Alloc();
            }
            _chains.Alloc();
        }
    }

    /// <summary>A VMA leaves av (unlink_anon_vmas()): its chain objects go, and each anon_vma no VMA reaches any more.</summary>
    public void Unlink(AnonVma av)
    {
        for (AnonVma? a = av; a is not null; a = a.Parent)
        {
            _chains.Free();
            if (--a.Users == 0 && a.SlabObject >= 0)
            {
                _anonVma.Free(a.SlabObject);
                a.SlabObject = -1;
            }
            else if (a.Users < 0)
            {
                throw new ModelBugException($"anon_vma {a.Id}: unlinked more often than linked");
            }
        }
    }
}
