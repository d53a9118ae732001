Studio.tab('experiments', section => section.append(Studio.el('p', {class: 'muted'}, 'Coming up.')));
