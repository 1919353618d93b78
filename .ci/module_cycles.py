#!/usr/bin/env python3
"""Import cycles between the files of src/: every `crate::…` and `super::…` path in code (not
in comments, not in unit tests) is an edge to the module file it names; a child using its
parent is not counted (the parent declares it). Prints the strongly connected components of
more than one module and exits 1 if there is any."""
import os,re,sys
files={}
for root,_,fs in os.walk('src'):
    for f in fs:
        if f.endswith('.rs'):
            p=os.path.join(root,f)
            rel=p[4:-3].split('/')
            if rel[-1]=='mod': rel=rel[:-1]
            if rel in (['lib'],['main']): rel=[]
            files[tuple(rel)]=p
def resolve(parts):
    for n in range(len(parts),0,-1):
        if tuple(parts[:n]) in files: return tuple(parts[:n])
    return None
edges={m:set() for m in files}
for m,p in files.items():
    src=open(p).read()
    src=re.sub(r'(?m)^\s*//.*$','',src)
    src=re.sub(r'#\[cfg\(test\)\]\s*mod tests\s*\{.*','',src,flags=re.S)
    # handle use groups crudely: crate::a::{b, c::d}
    for mt in re.finditer(r'\b(crate|super(?:::super)*)((?:::\w+)+)(::\{([^}]*)\})?',src):
        base=mt.group(1); path=[x for x in mt.group(2).split('::') if x]
        if base=='crate': start=[]
        else:
            ups=base.count('super')
            pkg=list(m) if p.endswith('mod.rs') or m==() else list(m)
            # module's parent: for file a/b.rs module (a,b), super = (a)
            start=list(m)[:len(m)-ups]
        targets=[start+path]
        if mt.group(4):
            for item in mt.group(4).split(','):
                item=item.strip().split('::')
                if item[0] and item[0]!='self': targets.append(start+path+[i.strip() for i in item])
        for t in targets:
            r=resolve(t)
            if r is not None and r!=m and not (len(r)<len(m) and m[:len(r)]==r): edges[m].add(r)
# tarjan
idx={};low={};st=[];on=set();sccs=[];c=[0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
    for w in edges[v]:
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        s=[]
        while True:
            w=st.pop();on.discard(w);s.append(w)
            if w==v:break
        if len(s)>1: sccs.append(s)
for v in edges:
    if v not in idx: sc(v)
print(len(files),"modules,",sum(len(e) for e in edges.values()),"edges,",len(sccs),"cycles")
for s in sccs: print(' <-> '.join('::'.join(x) for x in s))
sys.exit(1 if sccs else 0)
