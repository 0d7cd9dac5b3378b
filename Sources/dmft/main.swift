print("dmft: under construction")
