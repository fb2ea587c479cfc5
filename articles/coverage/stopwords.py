"""Words that say nothing of which event a story reports, in the languages we read: left out of
the text's terms, and never taken for a name when they open a sentence."""

ENGLISH = frozenset("""
a about above after again against all also although am among an and another any are around as
at be because been before being below between both but by can could did do does doing down
during each either even ever every few for from further had has have having he her here hers
herself him himself his how however i if in into is it its itself just last least less like
many may me meanwhile might more most much must my near neither new next no nor not now of off
often on once one only or other our ours out over own per rather said same say says she should
since so some such than that the their theirs them then there these they this those though
three through thus to too two under until up upon us very via was we were what when where
whether which while who whom whose why will with within without would year years yet you your
week weeks day days month months today yesterday tomorrow monday tuesday wednesday thursday
friday saturday sunday january february march april june july august september october
november december mr mrs ms according told added including
""".split())

FRENCH = frozenset("""
a à afin ai aie ainsi alors au aucun aujourd aussi autre autres aux avait avant avec avoir ayant
bien ça car ce ceci cela celle celles celui cependant ces cet cette ceux chaque chez comme
comment contre d dans de depuis des dès deux donc dont du durant elle elles en encore entre et
étaient était été être eu eux fait faire fois hier il ils j jamais je jusqu l la là le les
leur leurs lors lorsque lui m ma mais me même mêmes mes moi moins mon n ne ni non nos notre
nous on ont ou où par parce parmi pas pendant peu peut plus plusieurs pour pourquoi qu quand
que quel quelle quelles quels qui quoi s sa sans se selon ses si sien son sont sous sur t ta
tandis tant te tes toi ton tous tout toute toutes très trois tu un une unes uns vers via vos
votre vous y an ans année années jour jours semaine semaines mois lundi mardi mercredi jeudi
vendredi samedi dimanche janvier février mars avril mai juin juillet août septembre octobre
novembre décembre m mme selon a-t-il a-t-elle ainsi déclaré indiqué affirmé
""".split())

BY_LANGUAGE = {"en": ENGLISH, "fr": FRENCH}
EVERY = ENGLISH | FRENCH
