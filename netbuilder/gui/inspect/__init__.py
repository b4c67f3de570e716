"""Views inside the trained model: parameters, health, drawing and activations."""
