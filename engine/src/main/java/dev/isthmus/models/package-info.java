/**
 * The course's networks ({@link dev.isthmus.models.CourseModels}): the calculator MLP, the digits MLP, LeNet-5,
 * AlexNet and a reduced AlexNet-style network for 28x28 images, built with PyTorch's layer order so that their
 * state_dicts map 1:1 onto the same {@code nn.Sequential}.
 */
package dev.isthmus.models;
