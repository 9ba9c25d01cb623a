print("nexus")
