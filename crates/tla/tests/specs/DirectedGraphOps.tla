--------------------------- MODULE DirectedGraphOps ---------------------------
(* The operators of the community module Graphs (directed graphs), which valence builds in,
   used directly and through a named instance. TLC (with its CommunityModules jar) checks
   every ASSUME and gives the same counts. *)
EXTENDS Naturals, Sequences, FiniteSets, Graphs

G == [node |-> {1, 2, 3, 4}, edge |-> {<<1, 2>>, <<2, 3>>, <<3, 1>>, <<4, 4>>}]
Chain == [node |-> {1, 2, 3}, edge |-> {<<1, 2>>, <<2, 3>>}]
Sym == [node |-> {1, 2}, edge |-> {<<1, 2>>, <<2, 1>>}]

ASSUME IsDirectedGraph(G) /\ IsDirectedGraph(Chain)
ASSUME ~ IsDirectedGraph([node |-> {1}, edge |-> {<<1, 2>>}])
ASSUME ~ IsDirectedGraph([node |-> {1}, edge |-> {}, extra |-> 0])
ASSUME ~ IsUndirectedGraph(Chain) /\ IsUndirectedGraph(Sym)
ASSUME Transpose(Chain) = [node |-> {1, 2, 3}, edge |-> {<<2, 1>>, <<3, 2>>}]
ASSUME Cardinality(DirectedSubgraph(Chain)) = 13
ASSUME \A H \in DirectedSubgraph(Chain) : IsDirectedGraph(H) /\ H.edge \subseteq Chain.edge
ASSUME Cardinality(UndirectedSubgraph(Sym)) = 5
ASSUME <<1, 2, 3, 1, 2>> \in Path(G) /\ <<4, 4, 4>> \in Path(G) /\ <<1, 3>> \notin Path(G)
ASSUME << >> \notin Path(G) /\ <<5>> \notin Path(G)
ASSUME SimplePath(Chain) = {<<1>>, <<2>>, <<3>>, <<1, 2>>, <<2, 3>>, <<1, 2, 3>>}
ASSUME Cardinality(SimplePath(G)) = 10
ASSUME AreConnectedIn(1, 3, Chain) /\ ~ AreConnectedIn(3, 1, Chain) /\ AreConnectedIn(2, 2, Chain)
ASSUME ~ AreConnectedIn(5, 5, Chain) /\ AreConnectedIn(3, 2, G) /\ ~ AreConnectedIn(1, 4, G)
ASSUME ConnectionsIn(Chain)[1, 3] /\ ~ ConnectionsIn(Chain)[3, 1] /\ ConnectionsIn(Chain)[3, 3]
ASSUME DOMAIN ConnectionsIn(Chain) = Chain.node \X Chain.node
ASSUME ~ IsStronglyConnected(G) /\ ~ IsStronglyConnected(Chain) /\ IsStronglyConnected(Sym)
ASSUME IsStronglyConnected([node |-> {1, 2, 3}, edge |-> {<<1, 2>>, <<2, 3>>, <<3, 1>>}])
ASSUME IsTreeWithRoot(Chain, 3) /\ ~ IsTreeWithRoot(Chain, 1) /\ ~ IsTreeWithRoot(Sym, 1)
ASSUME IsTreeWithRoot([node |-> {1, 2, 3}, edge |-> {<<1, 3>>, <<2, 3>>}], 3)
ASSUME ~ IsTreeWithRoot([node |-> {1, 2, 3}, edge |-> {<<1, 3>>, <<1, 2>>}], 3)

VARIABLE up
Init == up = [p \in {1, 2} |-> <<p, 3>>]
\* Redirect one node's edge at a time, within the nodes 1..3.
Next == \E p \in {1, 2} : \E q \in {1, 2, 3} \ {p} : up' = [up EXCEPT ![p] = <<p, q>>]
\* As in EWD687a: a named instance of Graphs inside a LET.
Tree ==
    LET E == {up[p] : p \in DOMAIN up}
        N == {e[1] : e \in E} \cup {e[2] : e \in E}
        Gr == INSTANCE Graphs
        O == Gr!Transpose([edge |-> E, node |-> N])
    IN /\ Gr!IsDirectedGraph(O)
       /\ Gr!IsTreeWithRoot(Gr!Transpose(O), 3)
=============================================================================
