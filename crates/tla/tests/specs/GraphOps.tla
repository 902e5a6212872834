------------------------------ MODULE GraphOps ------------------------------
(* The operators of the community module UndirectedGraphs, which valence builds in. TLC
   (with its CommunityModules jar) checks every ASSUME but the last three: its copy of the
   module predates the operator UndirectedGraphs(S), whose values are worked out by hand. *)
EXTENDS Naturals, Sequences, FiniteSets, UndirectedGraphs

G == [node |-> {1, 2, 3, 4}, edge |-> {{1, 2}, {2, 3}, {4}}]
Line == [node |-> {1, 2, 3}, edge |-> {{1, 2}, {2, 3}}]

ASSUME IsUndirectedGraph(G)
ASSUME ~ IsLoopFreeUndirectedGraph(G)
ASSUME IsLoopFreeUndirectedGraph(Line)
ASSUME ~ IsUndirectedGraph([node |-> {1}, edge |-> {{1, 2}}])
ASSUME ~ IsUndirectedGraph([node |-> {1}, edge |-> {}, extra |-> 0])
ASSUME ConnectedComponents(G) = {{1, 2, 3}, {4}}
ASSUME ~ IsStronglyConnected(G)
ASSUME IsStronglyConnected(Line)
ASSUME AreConnectedIn(1, 3, G) /\ ~ AreConnectedIn(1, 4, G) /\ AreConnectedIn(4, 4, G)
ASSUME ~ AreConnectedIn(5, 5, G)
ASSUME <<1, 2, 3, 2, 1>> \in Path(G) /\ <<4, 4>> \in Path(G) /\ <<1, 3>> \notin Path(G)
ASSUME << >> \notin Path(G)
ASSUME SimplePath(Line) = {<<1>>, <<2>>, <<3>>, <<1, 2>>, <<2, 1>>, <<2, 3>>, <<3, 2>>,
                           <<1, 2, 3>>, <<3, 2, 1>>}
ASSUME Cardinality(UndirectedSubgraph(Line)) = 13
ASSUME \A H \in UndirectedSubgraph(Line) : IsUndirectedGraph(H)
ASSUME Cardinality(UndirectedGraphs({1, 2})) = 8
ASSUME [node |-> {1, 2}, edge |-> {{1}, {1, 2}}] \in UndirectedGraphs({1, 2})
ASSUME Cardinality({H \in UndirectedGraphs({1, 2, 3}) : IsStronglyConnected(H)}) = 32

VARIABLE graph
Init == graph = [node |-> {1, 2, 3}, edge |-> {{1, 2}, {2, 3}, {1, 3}, {2}}]
\* Drop one edge at a time while the graph stays connected.
Next == \E e \in graph.edge :
          /\ IsStronglyConnected([graph EXCEPT !.edge = @ \ {e}])
          /\ graph' = [graph EXCEPT !.edge = @ \ {e}]
Connected == IsStronglyConnected(graph)
=============================================================================
